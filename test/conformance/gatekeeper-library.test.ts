// The public gatekeeper-library's own suites (suite.yaml), run through Portcullis's Gatekeeper path
// when a copy of the library is on the machine: GATEKEEPER_LIBRARY=<its library/ folder>. Nothing of
// the library is kept in this repository; without it the cases are skipped, and say so.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { loadGatekeeper } from "../../src/adapters/opa/gatekeeper.js";
import { findOpa } from "../../src/adapters/opa/opa-binary.js";
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
  if (!loaded.engine)
    return `not loaded: ${JSON.stringify([...loaded.errors, ...loaded.notEvaluated])}`;
  const messages: string[] = [];
  for (const object of objects(join(base, c.object))) {
    const [result] = loaded.engine.evaluate([
      { document: object, file: { path: "object.yaml", partial: false } },
    ]);
    if (!result?.ok) return `not evaluated: ${result ? result.error : "no result"}`;
    messages.push(...result.findings.map((f) => f.msg));
  }
  const failed = c.assertions.map((a) => check(a, messages)).filter((x) => x !== undefined);
  return failed.length > 0 ? failed.join("; ") : undefined;
}

const all = present ? cases() : [];
const outcomes: (string | undefined)[] = [];

(present ? describe : describe.skip)(
  `gatekeeper-library suites at ${LIBRARY || "(GATEKEEPER_LIBRARY unset)"}`,
  () => {
    afterAll(() => {
      const failed = outcomes.filter((why) => why !== undefined);
      process.stderr.write(
        `gatekeeper-library: ${outcomes.length - failed.length} / ${outcomes.length} cases give gator's verdict\n`,
      );
    });
    it.each(all.map((c) => [c.id, c] as const))("%s", async (id, c) => {
      const why = await run(c);
      outcomes.push(why);
      expect(why).toBeUndefined();
    });
  },
);
