import {
  compilePattern,
  ownersOf,
  ownerText,
  parseCodeowners,
} from "../../src/owners/codeowners.js";

describe("CODEOWNERS patterns (GitHub's documented examples and gitignore rules)", () => {
  it.each([
    // pattern, path, matches
    ["*", "README.md", true],
    ["*", "apps/web/deploy.yaml", true],
    ["*.js", "src/app/index.js", true],
    ["*.js", "src/app/index.ts", false],
    ["/build/logs/", "build/logs/today.log", true],
    ["/build/logs/", "src/build/logs/today.log", false],
    ["docs/*", "docs/getting-started.md", true],
    ["docs/*", "docs/build-app/troubleshooting.md", false],
    ["apps/", "apps/web.yaml", true],
    ["apps/", "clusters/apps/web.yaml", true],
    ["/docs/", "docs/a.md", true],
    ["/docs/", "src/docs/a.md", false],
    ["**/logs", "build/logs/today.log", true],
    ["**/logs", "logs/today.log", true],
    ["**/logs", "deep/down/logs", true],
    ["/apps/**/prod/", "apps/shop/eu/prod/deploy.yaml", true],
    ["/apps/**/prod/", "apps/prod/deploy.yaml", true],
    ["foo/bar", "foo/bar/baz", true],
    ["foo/bar", "baz/foo/bar", false],
    ["/*", "foo/bar", false],
    ["/*", "README.md", true],
    ["a?c.yaml", "abc.yaml", true],
    ["a?c.yaml", "a/c.yaml", false],
    ["\\*.yaml", "*.yaml", true],
    ["\\*.yaml", "x.yaml", false],
    ["/Docs/", "docs/x.md", false],
    ["clusters/prod", "clusters/prod/kustomization.yaml", true],
  ] as const)("%s %s -> %s", (pattern, path, expected) => {
    expect(compilePattern(pattern)(path)).toBe(expected);
  });
});

describe("parseCodeowners and ownersOf", () => {
  const text = [
    "# Platform team owns everything by default",
    "*       @acme/platform",
    "",
    "/policies/    @acme/platform @acme/security  # both teams",
    "/clusters/prod/ @acme/security ops@example.com",
    "/apps/ @alice",
    "/apps/github",
    "*.md @docs-writer",
    "!/secret/ @nobody",
    "/charts/*.[ch] @charts",
    "\\#notes @x",
    "/legacy/ bob",
  ].join("\n");
  const owners = parseCodeowners(text);
  const of = (path: string) => ownersOf(owners, path)?.owners.map(ownerText);

  it("takes the last matching line", () => {
    expect(of("clusters/prod/apps.yaml")).toEqual(["@acme/security", "ops@example.com"]);
    expect(of("policies/rules/PCK001/rule.rego")).toEqual(["@acme/platform", "@acme/security"]);
    expect(of("apps/web/deploy.yaml")).toEqual(["@alice"]);
    expect(of("apps/README.md")).toEqual(["@docs-writer"]);
  });

  it("clears ownership with a pattern that has no owners", () => {
    expect(of("apps/github/deploy.yaml")).toEqual([]);
  });

  it("skips lines GitHub does not support, reports them with their line, and keeps the rest", () => {
    expect(owners.errors.map((e) => e.line)).toEqual([9, 10, 11, 12]);
    expect(owners.errors[0]!.message).toMatch(/negation/);
    expect(owners.errors[1]!.message).toMatch(/character ranges/);
    expect(owners.errors[2]!.message).toMatch(/escaped `#`/);
    expect(owners.errors[3]!.message).toMatch(/`bob` is not an owner/);
    expect(of("legacy/x.yaml")).toEqual(["@acme/platform"]);
  });

  it("treats a file of 3 MB or more as not loaded", () => {
    const big = parseCodeowners(`* @a\n${"#".repeat(3 * 1024 * 1024)}`);
    expect(big.rules).toEqual([]);
    expect(big.errors[0]!.message).toMatch(/3 MB/);
  });
});
