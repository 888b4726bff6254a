// Runs every rule's examples through the real pipeline (parse -> wasm -> lines): denied findings
// must land exactly on the lines marked `# expect: <ID>`, allowed examples must stay quiet.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { bundle, evaluate, testConfig } from "../support/engine.js";

const RULES_DIR = join(packageRoot(), "policies", "rules");
const ruleIds = readdirSync(RULES_DIR).sort();
// A rule about rendering a repository (PCS004) has no one-file example; its tests render repositories.
// Schema rules (PCV*) come from the schema engine, not the bundle: test/engines/schema/cli.test.ts
// runs their examples through the CLI.
const withExamples = (rule: string) =>
  !rule.startsWith("PCV") && existsSync(join(RULES_DIR, rule, "examples", "denied.yaml"));

/** "line:RULE" for every `# expect:` marker of the given rule, with repeats. */
function expectedMarkers(text: string, rule: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /#\s*expect:\s*([A-Z0-9 ,]+)\s*$/.exec(line);
    if (!m) return;
    for (const id of m[1]!.split(/[\s,]+/).filter(Boolean)) if (id === rule) out.push(`${i + 1}:${id}`);
  });
  return out.sort();
}

/** Settings an example needs (e.g. an allow-list that switches a rule on): a first line `# settings: {json}`. */
function exampleSettings(text: string): Record<string, unknown> {
  const m = /^# settings: (\{.*\})\s*$/m.exec(text.split("\n")[0] ?? "");
  return m ? (JSON.parse(m[1]!) as Record<string, unknown>) : {};
}

describe.each(ruleIds)("rule %s", (rule) => {
  const examples = join(RULES_DIR, rule, "examples");

  it("is in the built bundle with its metadata", () => {
    expect(bundle().rules.get(rule)?.id).toBe(rule);
  });

  if (!withExamples(rule)) return;

  it("reports every denied example on the marked line and nowhere else", async () => {
    const text = readFileSync(join(examples, "denied.yaml"), "utf8");
    const expected = expectedMarkers(text, rule);
    expect(expected.length).toBeGreaterThan(0);
    const report = await evaluate({ [`${rule}/denied.yaml`]: text }, { config: testConfig({}, exampleSettings(text)) });
    expect(report.errors).toEqual([]);
    const actual = report.findings.filter((f) => f.rule === rule).map((f) => `${f.lines.start}:${f.rule}`).sort();
    expect(actual).toEqual(expected);
  });

  it("stays quiet on the allowed example", async () => {
    const text = readFileSync(join(examples, "allowed.yaml"), "utf8");
    const report = await evaluate({ [`${rule}/allowed.yaml`]: text }, { config: testConfig({}, exampleSettings(text)) });
    expect(report.errors).toEqual([]);
    expect(report.findings.filter((f) => f.rule === rule)).toEqual([]);
  });
});
