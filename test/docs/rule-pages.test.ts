// Every rule has a documentation page generated from its metadata and examples, and it is current.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { ruleHelpUri } from "../../src/render/links.js";
// @ts-expect-error: a plain ES module script without types
import { expectedPages } from "../../scripts/gen-rule-docs.mjs";

const ROOT = packageRoot();
const pages = expectedPages() as Map<string, string>;
const ruleIds = readdirSync(join(ROOT, "policies", "rules")).sort();

describe("rule pages", () => {
  it.each(ruleIds)(
    "docs/rules/%s.md exists and matches its metadata (run `npm run docs` if not)",
    (id) => {
      const file = join(ROOT, "docs", "rules", `${id}.md`);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file, "utf8")).toBe(pages.get(`${id}.md`));
    },
  );

  it("has a current catalogue index that links every rule", () => {
    const index = readFileSync(join(ROOT, "docs", "rules", "README.md"), "utf8");
    expect(index).toBe(pages.get("README.md"));
    for (const id of ruleIds) expect(index).toContain(`[${id}](${id}.md)`);
  });

  it("is where every finding's link points", () => {
    expect(ruleHelpUri("PCK001", "https://example.test/docs/rules")).toBe(
      "https://example.test/docs/rules/PCK001.md",
    );
  });
});
