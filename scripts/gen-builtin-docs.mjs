#!/usr/bin/env node
// Writes docs/builtins.md from tools/wasm-builtins.json: which Rego builtins repository policies
// (Gatekeeper templates, conftest-style --policy Rego) may call, and why the others are withheld.
// `node scripts/gen-builtin-docs.mjs --check` fails when the page is not current.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, pinnedVersion } from "./tools.mjs";

const PAGE = join(ROOT, "docs", "builtins.md");

const list = (names) =>
  [...names]
    .sort()
    .map((n) => `\`${n}\``)
    .join(", ");

/** A Markdown table laid out as Prettier lays it out (columns padded to their widest cell). */
function table(entries, why = "Why") {
  const rows = Object.entries(entries)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, why]) => [`\`${name}\``, why]);
  const head = ["Builtin", why];
  const width = [0, 1].map((i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(" | ")} |`;
  return [line(head), line(width.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** The sections after the wasm module's own: the pinned opa's, erased, refused, unsupported. */
function otherSections(b, engine, erased) {
  return [
    `## Evaluated by the pinned opa (${engine})`,
    "",
    "Deterministic builtins whose answer is Go's own code (its parsers, its structures as JSON, its",
    "error messages). A policy that calls any of them is checked with `opa check` and evaluated by",
    "the pinned `opa eval`, one process per batch of documents (about 64 KiB of input), with the",
    "capabilities of every deterministic builtin and `allow_net: []` (no remote JSON Schema",
    "`$ref`), `TZ=UTC`, the policy time limit (20 s) and a memory ceiling (512 MiB of heap). The",
    "answer is OPA's by construction; `test/engines/opa-eval-builtins.test.ts` runs each class",
    "through Portcullis and through `opa eval` directly. The cost is a process per batch: see",
    "[decisions](decisions.md#builtins-the-wasm-host-lacks-the-pinned-opa-evaluates-them).",
    "",
    "`json.match_schema` and `json.verify_schema` load a `file://` `$ref` from the disk of the",
    "machine that evaluates them (OPA reads file references whatever `allow_net` says), so",
    "`opa eval` runs chrooted into a folder of its own, in user, mount and network namespaces",
    "(`unshare -rmn`): it sees the policy and its data, no other file. Where user namespaces are",
    "not allowed (a container's default seccomp profile), a policy that names either builtin is",
    "not evaluated and says why; the others still run, under the limits above.",
    "",
    ...table(b.engine, "What only Go's code answers"),
    "",
    `## Removed when compiled (${erased})`,
    "",
    ...table(b.erased),
    "",
    `## Refused (${Object.keys(b.refused).length})`,
    "",
    "A review must give the same answer every time it runs: nothing that reaches the network, reads",
    "the clock or is random.",
    "",
    ...table(b.refused),
    "",
    `## Not supported (${Object.keys(b.unsupported).length})`,
    "",
    "The policy fails to compile and says so.",
    "",
    ...table(b.unsupported),
    "",
  ];
}

/** The page as tools/wasm-builtins.json says it must read. */
export function expectedBuiltinsPage() {
  const b = JSON.parse(readFileSync(join(ROOT, "tools", "wasm-builtins.json"), "utf8"));
  const available = b.native.length + b.sdk.length + b.host.length;
  const erased = Object.keys(b.erased).length;
  const engine = Object.keys(b.engine).length;
  const total =
    available + erased + engine + Object.keys(b.refused).length + Object.keys(b.unsupported).length;
  return [
    "# Rego builtins in repository policies",
    "",
    "<!-- Generated from tools/wasm-builtins.json by `npm run docs:builtins`; do not edit. -->",
    "",
    "Repository policies (Gatekeeper templates, [`--admission`](gatekeeper.md), and conftest-style",
    "Rego, [`--policy`](conftest.md)), in `portcullis check` and in the app alike, may call",
    `${available + erased + engine} of the ${total} builtins of the pinned OPA ${pinnedVersion()}: every deterministic one a policy can call.`,
    "They are compiled to WebAssembly and run with the builtins below; a policy that calls one of",
    `the ${engine} the WebAssembly host does not supply is evaluated by the pinned \`opa\` itself`,
    "([below](#evaluated-by-the-pinned-opa-" +
      engine +
      ")). A policy that calls any other fails to",
    "compile, with the compiler's `undefined function` message and the reason from this page, at",
    "the policy's file and line: never a silent pass.",
    "",
    "A builtin that fails at run time (a malformed unit, a bad version string) makes its expression",
    "undefined, as under `opa eval` and in Gatekeeper (neither sets strict builtin errors).",
    "",
    `## Compiled into the module (${b.native.length})`,
    "",
    "OPA's wasm compiler implements these itself (`internal/compiler/wasm`).",
    "",
    list(b.native),
    "",
    `## Answered by the host (${b.sdk.length + b.host.length})`,
    "",
    "The wasm module calls out to Portcullis for these. `test/engines/host-builtins.test.ts`",
    "evaluates every one of them (and `sprintf` over every kind of value, sets included) with the",
    "pinned `opa eval` and requires the same value, or the same error.",
    "",
    "From the `@open-policy-agent/opa-wasm` SDK: " +
      list(b.sdk.filter((n) => n !== "sprintf")) +
      ". Go's `fmt` formatting: `sprintf` (`src/engines/opa/go-sprintf.ts`).",
    "",
    `Portcullis's own (\`src/engines/opa/builtins/\`): ${list(b.host)}.`,
    "",
    "A few calls to these are handed to the pinned `opa` instead (the batch is evaluated again with",
    "`opa eval`, as for the builtins [below](#evaluated-by-the-pinned-opa-" +
      engine +
      ")), because",
    "Portcullis cannot answer them exactly as OPA would: a regular expression JavaScript reads",
    'differently from Go (flags inside a pattern, `(?U)`, `\\C`), the time zone `"Local"` (which',
    "`opa eval` reads as UTC: a review does not depend on the machine's zone), `time.add_date` and",
    "`time.diff` in a named zone,",
    "`time.format` with a layout other than RFC 3339, `net.cidr_expand` of an IPv6 network or of",
    "more than 65,536 addresses, nested JWTs, JWT parts that are not JSON, and JWT verification",
    "with a JWK key (PEM certificates and public keys are supported).",
    "",
    ...otherSections(b, engine, erased),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const page = expectedBuiltinsPage();
  if (process.argv.includes("--check")) {
    if (readFileSync(PAGE, "utf8") !== page) {
      console.error("docs/builtins.md is not current: run npm run docs:builtins");
      process.exit(1);
    }
  } else writeFileSync(PAGE, page);
}
