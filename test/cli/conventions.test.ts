// Ecosystem conventions: SARIF security-severity, the JSON report's version and schema, the
// configuration's schema (with $schema), secrets ignored by git and Docker, README permissions.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Ajv as AjvInstance, Options } from "ajv";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { parseConfig } from "../../src/config/config.js";
import { configSchema } from "../../src/config/config-schema.js";
import { runCommand } from "../support/cli.js";
import { bundle } from "../support/engine.js";

const require = createRequire(import.meta.url);
const { Ajv } = require("ajv") as { Ajv: new (options: Options) => AjvInstance };
const addFormats = (require("ajv-formats") as { default: (ajv: AjvInstance) => AjvInstance })
  .default;

const ROOT = packageRoot();
const FLEET = "examples/fleet";
const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8")) as object;
const ajv = () => addFormats(new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }));
const context = () => ({
  settingDefaults: bundle().settingDefaults,
  ruleIds: new Set(bundle().rules.keys()),
});

describe("SARIF", () => {
  it("gives every rule a security-severity code scanning can rank", async () => {
    const { stdout } = await runCommand(["check", FLEET, "-f", "sarif"], ROOT);
    const rules = (
      JSON.parse(stdout) as {
        runs: {
          tool: { driver: { rules: { id: string; properties?: Record<string, string> }[] } };
        }[];
      }
    ).runs[0]!.tool.driver.rules;
    const catalogue = rules.filter((r) => bundle().rules.has(r.id));
    expect(catalogue.length).toBe(bundle().rules.size);
    for (const r of catalogue) {
      const score = Number(r.properties!["security-severity"]);
      expect(score).toBeGreaterThan(0);
      expect(score).toBeLessThanOrEqual(10);
      const severity = bundle().rules.get(r.id)!.severity;
      expect(score >= 7).toBe(severity === "error"); // errors rank high on GitHub
    }
  });
});

describe("the JSON report", () => {
  it("carries its version and validates against the published schema", async () => {
    const validate = ajv().compile(readJson("schemas/report.schema.json"));
    for (const args of [[FLEET], [`${FLEET}/apps/legacy/payments.yaml`], ["package.json"]]) {
      const { stdout } = await runCommand(["check", ...args, "-f", "json"], ROOT);
      const report = JSON.parse(stdout) as { version: number };
      expect(report.version).toBe(1);
      expect(validate(report) ? [] : validate.errors).toEqual([]);
    }
  });

  it("the schema refuses a report of another version", () => {
    const validate = ajv().compile(readJson("schemas/report.schema.json"));
    expect(validate({ version: 2, summary: {}, findings: [], skipped: [], errors: [] })).toBe(
      false,
    );
  });
});

describe("the configuration schema", () => {
  it("is the one the catalogue and the parser's defaults make (npm run schemas)", () => {
    const made = configSchema({ rules: bundle().rules, settingDefaults: bundle().settingDefaults });
    expect(readJson("schemas/config.schema.json")).toEqual(JSON.parse(JSON.stringify(made)));
  });

  it("accepts the example configuration, which the parser accepts too, $schema included", () => {
    const validate = ajv().compile(readJson("schemas/config.schema.json"));
    const text = readFileSync(join(ROOT, FLEET, ".github/portcullis.yml"), "utf8");
    const withSchema = `$schema: https://example.com/config.schema.json\n${text}`;
    expect(parseConfig(withSchema, context()).errors).toEqual([]);
    expect(validate(parseYaml(withSchema)) ? [] : validate.errors).toEqual([]);
  });

  it.each([
    ["failOn: sometimes\n"],
    ["rules:\n  PCK999: off\n"],
    ["rules:\n  PCK001: loud\n"],
    ["settings:\n  allowedRegistrys: []\n"],
    ["render:\n  kustomise: true\n"],
    ["policies:\n  regoVersion: v2\n"],
  ])("refuses what the parser refuses: %j", (text) => {
    const validate = ajv().compile(readJson("schemas/config.schema.json"));
    expect(parseConfig(text, context()).errors.length).toBeGreaterThan(0);
    expect(validate(parseYaml(text))).toBe(false);
  });

  it("is referenced from the docs", () => {
    expect(readFileSync(join(ROOT, "docs/configuration.md"), "utf8")).toContain(
      "schemas/config.schema.json",
    );
  });
});

describe("secrets and permissions", () => {
  it.each([[".env"], ["app.pem"], ["keys/portcullis.2026-01-01.private-key.pem"]])(
    "git and Docker ignore %s",
    (path) => {
      execFileSync("git", ["check-ignore", "-q", "--no-index", path], { cwd: ROOT });
      const docker = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n");
      expect(docker).toEqual(expect.arrayContaining([".env", "*.pem", "**/*.pem"]));
    },
  );

  it("the README's permission list is app.yml's", () => {
    const app = parseYaml(readFileSync(join(ROOT, "app.yml"), "utf8")) as {
      default_permissions: Record<string, string>;
      default_events: string[];
    };
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const listed = /least-privilege permissions ([^;]+);/.exec(readme.replace(/\s+/g, " "))![1]!;
    const fromReadme = [...listed.matchAll(/`([a-z_]+): (read|write)`/g)].map(
      (m) => `${m[1]}: ${m[2]}`,
    );
    expect(fromReadme.sort()).toEqual(
      Object.entries(app.default_permissions)
        .map(([k, v]) => `${k}: ${v}`)
        .sort(),
    );
    for (const event of app.default_events) expect(readme).toContain(`\`${event}\``);
  });
});
