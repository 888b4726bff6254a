// What the line reader may vouch for on its own: the plain scalars and characters on which
// kubectl/Argo CD (go-yaml v2, YAML 1.1), kustomize/Flux (go-yaml v3, YAML 1.2) and Portcullis are
// proven to agree (test/yaml/differential.test.ts). Anything else is decided by the consumers' own
// readers (oracle.ts) or refused with PCS005.

/**
 * Characters the readers treat differently: NEL, LS, PS (YAML 1.1 line breaks), a byte-order mark,
 * control characters, U+FFFE and U+FFFF (go-yaml's reader refuses them, even in a comment: "control
 * characters are not allowed"; it accepts the other noncharacters, U+FDD0-U+FDEF and U+nFFFE/F, as
 * JavaScript does), and every Unicode space but U+0020 (Go's `unicode.IsSpace` decides where a
 * JSON stream starts and what trails a `---`).
 */
const DISPUTED_CHARACTERS =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ufff9-\ufffb\ufffe\uffff]/;

/** A text the line reader may read: no disputed character, and not a JSON stream for apimachinery. */
export function agreedText(text: string): boolean {
  if (DISPUTED_CHARACTERS.test(text)) return false;
  // apimachinery reads a stream whose first non-space character is `{` as JSON, not YAML.
  const first = /\S/.exec(text);
  return !first || (first[0] !== "{" && first[0] !== "[");
}

const INTEGER = /^-?(?:0|[1-9][0-9]{0,14})$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;
const BOOLEAN = /^(?:true|True|TRUE|false|False|FALSE)$/;
const NULL = /^(?:~|null|Null|NULL)$/;
/**
 * Strings that one of the readers may type: numbers, dates, times, base 60. (`<<` and `=` as
 * values are strings for all of them; as keys the line reader never takes them.)
 */
const NUMBER_LIKE = /^[-+.0-9][-+.0-9_:a-fA-FoOxXtTzZ ]*$/;

/** Versions (`0.16.0`): no number, date or time has two dots. */
const VERSION = /^[0-9]+(?:\.[0-9]+){2,}$/;
/** Digests (`9a5c...`): a, c, d or f is in no number but a 0x one, nor in any date or time. */
const HEX_TEXT = /^(?![-+]?0[xX])[-+.0-9_:a-fA-FoOxXtTzZ ]*[acdfACDF]/;

/**
 * Whether a plain scalar `text`, read by the line reader as `value`, is read as that same value by
 * every consumer: canonical integers and decimals, `true`/`false`, `null`/`~`, versions, digests and strings that
 * no reader types (so not `yes`, `on`, `0777`, `12:30`, `2026-01-01`, `1_000`, `0X1F`, `.inf`).
 */
export function agreedPlain(text: string, value: unknown): boolean {
  switch (typeof value) {
    case "string":
      return !NUMBER_LIKE.test(text) || VERSION.test(text) || HEX_TEXT.test(text);
    case "number":
      return INTEGER.test(text) || DECIMAL.test(text);
    case "boolean":
      return BOOLEAN.test(text);
    default:
      return value === null && NULL.test(text);
  }
}
