// The file system an `opa eval` of a repository policy sees. OPA's json.match_schema and
// json.verify_schema load a `$ref` with the file: scheme from the disk of the machine that evaluates
// them, whatever allow_net says (its gojsonschema reads file references unconditionally): a policy
// could read the server's JSON files (a schema with `required`, `const` or `pattern` probes them)
// into its messages, and its answer would depend on the machine. So `opa eval` runs chrooted into
// its own work folder, in namespaces of its own (`unshare -rmn`: no network either), with the
// binary and the capabilities bind-mounted: it sees the policy, its data and nothing else.
// Where user namespaces are not allowed, a policy that names either builtin is refused.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The programs that confine opa: absolute paths, since opa runs with an empty PATH. */
interface Confinement {
  readonly unshare: string;
  readonly mount: string;
}

const found = new Map<string, Confinement | null>();

function which(name: string): string {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
}

/**
 * The command line that runs `opa` with `args` (paths inside `work` as `/...`) chrooted into `work`,
 * under a data ceiling of `kib` KiB.
 */
function confinedCommand(
  c: Confinement,
  opa: string,
  capabilities: string,
  work: string,
  kib: number,
  args: readonly string[],
): string[] {
  const script =
    `ulimit -d ${kib} 2>/dev/null; m=$1; u=$2; o=$3; c=$4; w=$5; shift 5; ` +
    `: > "$w/opa" && : > "$w/capabilities.json" && ` +
    `"$m" --bind "$o" "$w/opa" && "$m" --bind "$c" "$w/capabilities.json" && ` +
    `exec "$u" --root="$w" /opa "$@"`;
  return [
    c.unshare,
    "-rmn",
    "--",
    "/bin/sh",
    "-c",
    script,
    "sh",
    c.mount,
    c.unshare,
    opa,
    capabilities,
    work,
    ...args,
  ];
}

/** How this machine confines `opa` (probed once per binary), or undefined where it cannot. */
export function confinement(opa: string, capabilities: string): Confinement | undefined {
  const known = found.get(opa);
  if (known !== undefined) return known ?? undefined;
  const c = { unshare: which("unshare"), mount: which("mount") };
  let ok = false;
  if (c.unshare !== "" && c.mount !== "") {
    const work = mkdtempSync(join(tmpdir(), "portcullis-opa-probe-"));
    try {
      writeFileSync(join(work, "p.rego"), "package p\n\nx := 1\n");
      const args = ["eval", "-f", "json", "--capabilities", "/capabilities.json"];
      const [command, ...rest] = confinedCommand(c, opa, capabilities, work, 512 * 1024, [
        ...args,
        ...["-d", "/p.rego", "data.p.x"],
      ]);
      const r = spawnSync(command!, rest, {
        encoding: "utf8",
        timeout: 10_000,
        env: { PATH: "" },
      });
      ok = r.status === 0 && /"value": 1\b/.test(r.stdout);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  found.set(opa, ok ? c : null);
  return ok ? c : undefined;
}

/** The builtins that read the disk under `opa eval`. */
const READS_FILES = /\bjson\s*\.\s*(?:match_schema|verify_schema)\b/;

/**
 * The command (program and arguments) that runs `opa args` over `work` with a data ceiling of
 * `kib` KiB. `args` name files inside `work` by `at(path)` and the capabilities by `caps`. Throws when the sources call a builtin
 * that reads the disk and opa cannot be confined here.
 */
export function opaCommand(
  opa: string,
  capabilities: string,
  work: string,
  kib: number,
  sources: readonly { readonly text: string }[],
  args: (at: (relative: string) => string, caps: string) => string[],
): string[] {
  const c = confinement(opa, capabilities);
  if (c)
    return confinedCommand(
      c,
      opa,
      capabilities,
      work,
      kib,
      args((p) => `/${p}`, "/capabilities.json"),
    );
  if (sources.some((s) => READS_FILES.test(s.text)))
    throw new Error(
      "repository policy not evaluated: it calls json.match_schema or json.verify_schema, which read file: $refs from the disk, and opa eval cannot be confined to its own folder here (user namespaces are not allowed)",
    );
  const all = args((p) => join(work, p), capabilities);
  return ["/bin/sh", "-c", `ulimit -d ${kib} 2>/dev/null; exec "$0" "$@"`, opa, ...all];
}
