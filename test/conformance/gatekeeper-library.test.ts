// The public gatekeeper-library's own suites (suite.yaml), run through Portcullis's Gatekeeper path
// when a copy of the library is on the machine: GATEKEEPER_LIBRARY=<its library/ folder>. Nothing of
// the library is kept in this repository; without it the cases are skipped, and say so.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { loadGatekeeper } from "../../src/engines/opa/gatekeeper.js";
import type { GatekeeperCel } from "../../src/engines/gatekeeper/cel-code.js";
import { loadGatekeeperCel } from "../../src/engines/gatekeeper/cel-engine.js";
import type { PolicyResult } from "../../src/ports/policy-engine.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";
import { parseManifest } from "../../src/yaml/index.js";
import { check, objects, suites, type SuiteTest } from "../support/gator-suite.js";

const LIBRARY = process.env.GATEKEEPER_LIBRARY ?? "";
const present = LIBRARY !== "" && existsSync(LIBRARY);
const tools = () => ({
  opa: findOpa(),
  capabilities: join(packageRoot(), "dist", "policies", "capabilities.json"),
});

interface LibraryCase {
  readonly id: string;
  readonly base: string;
  readonly test: SuiteTest;
  readonly index: number;
}

function cases(): LibraryCase[] {
  return suites(LIBRARY).flatMap((file) => {
    const base = dirname(file);
    const suite = parseYaml(readFileSync(file, "utf8")) as { tests?: SuiteTest[] };
    return (suite.tests ?? []).flatMap((test) =>
      (test.cases ?? []).map((c, index) => ({
        id: `${relative(LIBRARY, base)} / ${test.name} / ${c.name}`,
        base,
        test,
        index,
      })),
    );
  });
}

interface RegoCode {
  readonly rego: string;
  readonly libs: string[];
  readonly v1: boolean;
}

/** The template's Rego, as Gatekeeper reads it (`rego` and `libs`, or a Rego `code` entry). */
function regoOf(template: unknown): RegoCode | undefined {
  const t = template as {
    spec?: {
      targets?: {
        rego?: string;
        libs?: string[];
        code?: { engine?: string; source?: { rego?: string; libs?: string[]; version?: string } }[];
      }[];
    };
  };
  const target = t.spec?.targets?.[0];
  if (target?.rego) return { rego: target.rego, libs: target.libs ?? [], v1: false };
  const code = target?.code?.find((c) => c.engine === "Rego")?.source;
  return code?.rego
    ? { rego: code.rego, libs: code.libs ?? [], v1: code.version === "v1" }
    : undefined;
}

/**
 * A policy file's first document, read as Portcullis and gator read it (the `yaml` package alone
 * refuses a few library templates: a multi-line quoted description not indented past its key).
 */
function readDocument(path: string): unknown {
  const parsed = parseManifest(path, readFileSync(path, "utf8"));
  if (parsed.problems.length > 0) throw new Error(`${path}: ${parsed.problems[0]!.message}`);
  return parsed.documents[0]?.value;
}

/**
 * The messages the pinned `opa eval` gives for the same template and the input Gatekeeper builds
 * (without data.inventory or the object's Namespace: undefined for cases that need them).
 */
function opaMessages(
  base: string,
  test: SuiteTest,
  object: Record<string, unknown>,
): string[] | undefined {
  const code = regoOf(readDocument(join(base, test.template)));
  if (!code) return undefined;
  const constraint = readDocument(join(base, test.constraint)) as {
    spec?: { parameters?: unknown };
  };
  const work = mkdtempSync(join(tmpdir(), "gk-lib-"));
  const files = [code.rego, ...code.libs].map((text, i) => {
    const file = join(work, `m${i}.rego`);
    writeFileSync(file, text);
    return file;
  });
  const apiVersion = String(object.apiVersion ?? "");
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  const review: Record<string, unknown> = {
    object,
    kind: { group, version, kind: object.kind },
    operation: "CREATE",
  };
  if (metadata.name) review.name = metadata.name;
  if (metadata.namespace) review.namespace = metadata.namespace;
  writeFileSync(
    join(work, "input.json"),
    JSON.stringify({ review, parameters: constraint.spec?.parameters ?? {} }),
  );
  const pkg = /^\s*package\s+([\w.]+)/m.exec(code.rego)![1];
  const args = [
    "eval",
    "-f",
    "json",
    ...(code.v1 ? [] : ["--v0-compatible"]),
    ...files.flatMap((f) => ["-d", f]),
    "-i",
    join(work, "input.json"),
    `data.${pkg}.violation`,
  ];
  const r = spawnSync(findOpa(), args, { encoding: "utf8" });
  const out = JSON.parse(r.stdout) as {
    result?: { expressions: { value: { msg?: unknown }[] }[] }[];
  };
  return (out.result?.[0]?.expressions[0]?.value ?? []).map((v) =>
    typeof v.msg === "string" ? v.msg : JSON.stringify(v),
  );
}

/** What the case gives where gator's verdict is not met, or undefined when it is. */
async function run({ base, test, index }: LibraryCase): Promise<string | undefined> {
  const c = test.cases[index]!;
  const read = (p: string) => ({
    path: relative(LIBRARY, join(base, p)),
    text: readFileSync(join(base, p), "utf8"),
  });
  const inventory = (c.inventory ?? []).flatMap((p) => objects(join(base, p)));
  const loaded = await loadGatekeeper(
    [read(test.template), read(test.constraint)],
    inventory,
    tools,
  );
  // gator runs a template's K8sNativeValidation code when it has some (tools/cel), else its Rego.
  const cel = loaded.cel
    ? await loadGatekeeperCel(loaded.cel as GatekeeperCel, inventory, [], process.env)
    : undefined;
  const engine = loaded.engine ?? cel?.engine;
  if (!engine || (cel && cel.problems.length > 0))
    return `not loaded: ${JSON.stringify([...loaded.errors, ...loaded.notEvaluated, ...(cel?.problems ?? [])])}`;
  const messages: string[] = [];
  for (const object of objects(join(base, c.object))) {
    const input = [{ document: object, file: { path: "object.yaml", partial: false } }];
    const [result]: PolicyResult[] = loaded.engine
      ? loaded.engine.evaluate(input)
      : await cel!.engine!.evaluate(input);
    if (result?.ok) celMessages.count += cel ? 1 : 0;
    if (!result?.ok) return `not evaluated: ${result ? result.error : "no result"}`;
    const ours = result.findings.map((f) => f.msg);
    messages.push(...ours);
    // The exact texts, where opa can be given the same input (no inventory, no Namespace needed).
    if (
      !cel &&
      (c.inventory ?? []).length === 0 &&
      result.findings.every((f) => !f.msg.startsWith("not evaluated"))
    ) {
      const theirs = opaMessages(base, test, object as Record<string, unknown>);
      if (theirs && JSON.stringify([...theirs].sort()) !== JSON.stringify([...ours].sort()))
        textDifferences.push(`${base}: opa ${JSON.stringify(theirs)} vs ${JSON.stringify(ours)}`);
      if (theirs) {
        textsCompared.count++;
        textsCompared.messages += theirs.length;
      }
    }
  }
  const failed = c.assertions.map((a) => check(a, messages)).filter((x) => x !== undefined);
  if (textDifferences.some((d) => d.startsWith(`${base}:`)))
    failed.push(
      `messages differ from opa eval's: ${textDifferences.filter((d) => d.startsWith(`${base}:`)).join("; ")}`,
    );
  return failed.length > 0 ? failed.join("; ") : undefined;
}

const all = present ? cases() : [];
const textDifferences: string[] = [];
const textsCompared = { count: 0, messages: 0 };
const celMessages = { count: 0 };
const outcomes: (string | undefined)[] = [];

(present ? describe : describe.skip)(
  `gatekeeper-library suites at ${LIBRARY || "(GATEKEEPER_LIBRARY unset)"}`,
  () => {
    afterAll(() => {
      const failed = outcomes.filter((why) => why !== undefined);
      process.stderr.write(
        `gatekeeper-library: ${outcomes.length - failed.length} / ${outcomes.length} cases give gator's verdict; ` +
          `${textsCompared.count - textDifferences.length} / ${textsCompared.count} objects (${textsCompared.messages} messages) give opa eval's exact messages; ` +
          `${celMessages.count} objects evaluated through K8sNativeValidation (tools/cel)\n${textDifferences.join("\n")}\n`,
      );
    });
    it.each(all.map((c) => [c.id, c] as const))("%s", async (id, c) => {
      const why = await run(c);
      outcomes.push(why);
      expect(why).toBeUndefined();
    });
  },
);
