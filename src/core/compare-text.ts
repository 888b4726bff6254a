// The one order for names and messages in output (files, rules, paths, messages):
// String.prototype.localeCompare, as before, but without asking ICU where its answer is known.
// The first localeCompare builds ICU's list of collation locales (~69 M instructions, a sixth of a
// one-file `check`), so two strings of printable ASCII are compared here as ICU compares them.
//
// How ICU compares them: the default locale, when it is English, C or POSIX (V8 maps the last two
// to en-US), collates as the CLDR root, where every printable ASCII character has one primary
// weight (a letter's two cases share it), in the order of ROOT_ORDER below, no contractions, no
// expansions and the same secondary weight. So the first difference in primary weights decides;
// then the shorter string (a prefix) comes first; then, all primaries equal, the first difference
// in case, lowercase first. Anything else (a control character, which ICU ignores, anything past
// ASCII, or another default locale: Lithuanian puts y before j, Danish aa after z) asks
// localeCompare. test/core/compare-text.test.ts checks this against localeCompare over generated
// strings and under several default locales.

/** Printable ASCII in the root collation's order (one primary weight each, a letter's cases one). */
const ROOT_ORDER =
  " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ";

/** Primary weight by character code (printable ASCII only). */
const PRIMARY = new Uint8Array(0x7f);
{
  let weight = 0;
  for (const c of ROOT_ORDER) {
    const lower = c.toLowerCase();
    PRIMARY[c.charCodeAt(0)] = c !== lower ? PRIMARY[lower.charCodeAt(0)]! : ++weight;
  }
}

/**
 * ICU takes its default locale from the first of LC_ALL, LC_MESSAGES and LANG that is set. Only
 * C, POSIX and English without a @modifier are known to collate as the root does.
 */
export function rootCollation(env: NodeJS.ProcessEnv): boolean {
  const name = env.LC_ALL ?? env.LC_MESSAGES ?? env.LANG;
  return name === undefined || /^(C|POSIX|en(_[A-Z]{2})?)(\.[-A-Za-z0-9]+)?$/.test(name);
}

const printable = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
};

const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;

/** ICU's root comparison of two strings of printable ASCII. */
export function rootCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let tertiary = 0;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const p = PRIMARY[x]! - PRIMARY[y]!;
    if (p !== 0) return p < 0 ? -1 : 1;
    if (tertiary === 0) tertiary = isUpper(x) ? 1 : -1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return tertiary;
}

let root: boolean | undefined;

/**
 * Comparisons answered here before ICU's own takes over: once built, V8's localeCompare of
 * one-byte strings is about 2.5 times as fast as checking and comparing them here, so a large run
 * (100,000 findings sort in ~1.7 million comparisons) pays ICU's one-off cost (~15 ms) instead.
 * Both give the same answer, so a sort may mix them.
 */
let budget = 20_000;

/** a.localeCompare(b), as a sort's comparator wants it. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  if (budget > 0 && (root ??= rootCollation(process.env)) && printable(a) && printable(b)) {
    budget--;
    return rootCompare(a, b);
  }
  return a.localeCompare(b);
}
