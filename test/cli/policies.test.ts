// Repository policies written the conftest way, run by `portcullis check --policy`.
import {
  chmodSync,
  copyFileSync,
  mkdtempSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";
import { compilePolicies, readPolicySources } from "../../src/engines/opa/user-policies.js";
import { runCommand } from "../support/cli.js";

const run = (args: string[], cwd: string) => runCommand(args, cwd);

interface JsonFinding {
  rule: string;
  severity: string;
  message: string;
  lines: { start: number };
}

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
          securityContext:
            privileged: true
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: LoadBalancer
  ports: [{ port: 443 }]
`;

/** A repository with manifests and a policy folder of Rego files. */
function repo(policies: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-policies-"));
  writeFileSync(join(dir, "app.yaml"), MANIFESTS);
  mkdirSync(join(dir, "policy"));
  for (const [name, text] of Object.entries(policies))
    writeFileSync(join(dir, "policy", name), text);
  return dir;
}

/**
 * A policy folder's sources and the compiler's tools with a fresh cache. With `unrunnable`, opa is
 * a copy (same size and time, so the same cache keys) that the test can make unrunnable (`stop`)
 * once the cache is warm: a later compile then succeeds only if it never starts the compiler.
 */
function compiling(dir: string, unrunnable = false) {
  const cacheDir = mkdtempSync(join(tmpdir(), "portcullis-cache-"));
  let opa = findOpa();
  if (unrunnable) {
    opa = join(cacheDir, "..", `opa-copy-${process.pid}-${cacheDir.slice(-6)}`);
    copyFileSync(findOpa(), opa);
    utimesSync(opa, statSync(findOpa()).atime, statSync(findOpa()).mtime);
    chmodSync(opa, 0o755);
  }
  const tools = {
    opa,
    capabilities: join(packageRoot(), "dist", "policies", "capabilities.json"),
    cacheDir,
  };
  const entries = () =>
    readdirSync(cacheDir)
      .map((f) => f.replace(/^[0-9a-f]+/, "<key>"))
      .sort();
  return {
    tools,
    entries,
    sources: readPolicySources(join(dir, "policy"), "policy"),
    stop: () => chmodSync(opa, 0o000),
    cleanUp: () => unrunnable && rmSync(opa, { force: true }),
  };
}

/**
 * Compiles the folder's policies, then again with opa unable to run: the second compile must come
 * from the cache, the same module. Returns the cache's entries after the first.
 */
async function compiledTwice(dir: string): Promise<string[]> {
  const { tools, entries, sources, stop, cleanUp } = compiling(dir, true);
  const first = await compilePolicies(sources, { namespaces: ["main"] }, tools);
  const cached = entries();
  stop();
  const second = await compilePolicies(sources, { namespaces: ["main"] }, tools);
  expect(Buffer.from(second.wasm!).equals(Buffer.from(first.wasm!))).toBe(true);
  cleanUp();
  return cached;
}

// Written for these tests in the style of conftest's documentation: Rego v0, package main.
const V0_POLICY = `package main

deny[msg] {
  input.kind == "Deployment"
  container := input.spec.template.spec.containers[_]
  container.securityContext.privileged == true
  msg = sprintf("Container %s is privileged", [container.name])
}

warn[msg] {
  input.kind == "Service"
  input.spec.type == "LoadBalancer"
  msg = sprintf("Service %v is exposed through a load balancer", [input.metadata.name])
}
`;

describe("portcullis check --policy", () => {
  it("runs Rego v0 conftest policies unchanged: deny fails at the kind line, warn warns", async () => {
    const dir = repo({ "workloads.rego": V0_POLICY });
    const { code, stdout } = await run(
      ["check", "app.yaml", "--policy", "policy", "--format", "json"],
      dir,
    );
    expect(code).toBe(1);
    const mine = (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.filter((f) =>
      f.rule.startsWith("main."),
    );
    expect(mine.map((f) => [f.rule, f.severity, f.lines.start, f.message])).toEqual([
      ["main.deny", "error", 2, "Container web is privileged"],
      ["main.warn", "warning", 16, "Service web is exposed through a load balancer"],
    ]);
  });

  it("puts an object result with a path on the exact line (Rego v1, any namespace)", async () => {
    const dir = repo({
      "exposure.rego": `package exposure

deny contains {"msg": "no public load balancers", "path": ["spec", "type"]} if input.spec.type == "LoadBalancer"
`,
    });
    const only = await run(["check", "app.yaml", "--policy", "policy", "--format", "json"], dir);
    expect(only.code).toBe(2); // no `main` package: reported, never a silent pass
    const ns = await run(
      ["check", "app.yaml", "--policy", "policy", "--namespace", "exposure", "--format", "json"],
      dir,
    );
    const found = (JSON.parse(ns.stdout) as { findings: JsonFinding[] }).findings.filter(
      (f) => f.rule === "exposure.deny",
    );
    expect(found.map((f) => f.lines.start)).toEqual([21]);
    const all = await run(
      ["check", "app.yaml", "--policy", "policy", "--all-namespaces", "--format", "json"],
      dir,
    );
    expect(
      (JSON.parse(all.stdout) as { findings: JsonFinding[] }).findings.some(
        (f) => f.rule === "exposure.deny",
      ),
    ).toBe(true);
  });

  it("reports a policy that does not compile with the compiler's message, and still runs the catalogue", async () => {
    const dir = repo({ "broken.rego": "package main\n\ndeny[msg] {\n  input.kind ==\n}\n" });
    const { code, stdout } = await run(
      ["check", "app.yaml", "--policy", "policy", "--format", "json"],
      dir,
    );
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as {
      errors: { file: string; line: number; message: string }[];
      findings: JsonFinding[];
    };
    expect(report.errors[0]!.message).toMatch(
      /^repository policy could not be loaded: .*policy\/broken\.rego:\d+/s,
    );
    // The error sits on the policy file's line the compiler names (its own path, not a temp path).
    expect(report.errors[0]).toMatchObject({ file: "policy/broken.rego" });
    expect(report.errors[0]!.line).toBeGreaterThanOrEqual(4);
    expect(report.errors[0]!.message).not.toMatch(/tmp|portcullis-policies-/);
    expect(report.findings.some((f) => f.rule === "PCK001")).toBe(true);
  });

  it("loses only the document a policy fails on, not the rest of its batch", async () => {
    // \`only_label\` is a complete rule: a document with two different labels gives it two values,
    // which stops the evaluation (a conflict). The other documents are still reported.
    const dir = repo({
      "conflict.rego": `package main

only_label = v {
  v := input.metadata.labels[_]
}

deny[msg] {
  only_label == "web"
  msg := sprintf("%v is labelled web", [input.metadata.name])
}
`,
    });
    writeFileSync(
      join(dir, "labels.yaml"),
      ["a", "b", "c"]
        .map(
          (name) =>
            `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels:\n    app: web\n${name === "b" ? "    tier: db\n" : ""}`,
        )
        .join("---\n"),
    );
    const { stdout } = await run(
      ["check", "labels.yaml", "--policy", "policy", "--format", "json"],
      dir,
    );
    const report = JSON.parse(stdout) as {
      errors: { file: string; line: number; message: string }[];
      findings: JsonFinding[];
    };
    expect(report.findings.filter((f) => f.rule === "main.deny").map((f) => f.message)).toEqual([
      "a is labelled web",
      "c is labelled web",
    ]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ file: "labels.yaml", line: 9 });
    expect(report.errors[0]!.message).toMatch(/^repository policy failed: /);
  });

  it("refuses network and clock builtins at compile time", async () => {
    const dir = repo({
      "net.rego":
        'package main\n\nimport rego.v1\n\ndeny contains "x" if http.send({"method": "get", "url": "http://169.254.169.254"}).status_code == 200\n',
    });
    const { code, stdout } = await run(
      ["check", "app.yaml", "--policy", "policy", "--format", "json"],
      dir,
    );
    expect(code).toBe(2);
    expect((JSON.parse(stdout) as { errors: { message: string }[] }).errors[0]!.message).toContain(
      "undefined function http.send",
    );
  });

  it("compiles a policy folder once and reuses it from the cache, refusals included", async () => {
    const dir = repo({ "workloads.rego": V0_POLICY });
    // The module, and the compiler's refusal of the Rego v1 reading tried first.
    expect(await compiledTwice(dir)).toEqual(["<key>.error.json", "<key>.wasm"]);
  });

  it("compiles a new policy as v1 and v0 side by side and keeps both answers", async () => {
    const dir = repo({
      "services.rego":
        'package main\n\nimport rego.v1\n\nwarn contains msg if {\n  input.kind == "Service"\n  msg := "a service"\n}\n',
    });
    // v1's module, and v0's (`import rego.v1` makes the policy read the same both ways); once
    // cached, v1's answer is enough: the compiler is not started again.
    expect(await compiledTwice(dir)).toEqual(["<key>.wasm", "<key>.wasm"]);
    const { stdout } = await run(["check", ".", "--policy", "policy", "--format", "json"], dir);
    const findings = (JSON.parse(stdout) as { findings: JsonFinding[] }).findings;
    expect(findings.filter((f) => f.rule === "main.warn").map((f) => f.message)).toEqual([
      "a service",
    ]);
  });

  it("reads the policies in one Rego version only when told to (conftest's --rego-version)", async () => {
    const dir = repo({ "workloads.rego": V0_POLICY });
    const { tools, entries, sources } = compiling(dir);
    await compilePolicies(sources, { namespaces: ["main"], regoVersion: "v0" }, tools);
    // Only the v0 build: no v1 attempt, no refusal kept.
    expect(entries()).toEqual(["<key>.wasm"]);
    // Told v1, a v0 policy is refused with the parser's words instead of read as v0.
    await expect(
      compilePolicies(sources, { namespaces: ["main"], regoVersion: "v1" }, tools),
    ).rejects.toThrow(/rego_parse_error/);
    const cli = await run(
      ["check", "app.yaml", "--policy", "policy", "--rego-version", "v0", "--format", "json"],
      dir,
    );
    expect(
      (JSON.parse(cli.stdout) as { findings: JsonFinding[] }).findings
        .filter((f) => f.rule.startsWith("main."))
        .map((f) => f.message),
    ).toEqual(["Container web is privileged", "Service web is exposed through a load balancer"]);
    const wrong = await run(
      ["check", "app.yaml", "--policy", "policy", "--rego-version", "v2"],
      dir,
    );
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringContaining('--rego-version "v2"')]);
  });

  it("reports each policy folder that cannot be loaded and still runs the others", async () => {
    const dir = repo({ "workloads.rego": V0_POLICY });
    mkdirSync(join(dir, "broken"));
    writeFileSync(join(dir, "broken", "b.rego"), "package main\n\ndeny[msg] {\n  msg :=\n}\n");
    const { code, stdout } = await run(
      ["check", "app.yaml", "-p", "broken", "-p", "missing", "-p", "policy", "--format", "json"],
      dir,
    );
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as { errors: { file: string }[]; findings: JsonFinding[] };
    expect(report.errors.map((e) => e.file)).toEqual(["broken/b.rego", "missing"]);
    expect(report.findings.filter((f) => f.rule === "main.deny")).toHaveLength(1);
  });

  it("keeps a policy's compile error in the cache and reports it again with its line", async () => {
    const dir = repo({ "broken.rego": "package main\n\ndeny[msg] {\n  msg := \n}\n" });
    const { tools, entries, sources } = compiling(dir);
    const refusal = async () =>
      compilePolicies(sources, { namespaces: ["main"] }, tools).then(
        () => undefined,
        (e: unknown) => e as { message: string; file?: string; line?: number },
      );
    const first = await refusal();
    expect(first?.file).toBe("policy/broken.rego");
    const count = entries().length;
    const second = await refusal();
    expect(entries()).toHaveLength(count);
    expect([second?.message, second?.file, second?.line]).toEqual([
      first?.message,
      first?.file,
      first?.line,
    ]);
  });

  it("finds named rules (deny_<name>) and honours the policy's exception rules, showing them as waived", async () => {
    const dir = repo({
      "named.rego": `package main

deny_privileged[msg] {
  input.kind == "Deployment"
  input.spec.template.spec.containers[_].securityContext.privileged
  msg := "privileged container"
}

warn_load_balancer[msg] {
  input.spec.type == "LoadBalancer"
  msg := "load balancer"
}

exception[rules] {
  input.kind == "Deployment"
  input.metadata.name == "web"
  rules := ["privileged"]
}
`,
    });
    const { stdout } = await run(
      ["check", "app.yaml", "--policy", "policy", "--format", "json"],
      dir,
    );
    const mine = (
      JSON.parse(stdout) as {
        findings: (JsonFinding & { status: string; waiver?: { reason: string } })[];
      }
    ).findings.filter((f) => f.rule.startsWith("main."));
    expect(mine.map((f) => [f.rule, f.severity, f.status])).toEqual([
      ["main.deny_privileged", "error", "waived"],
      ["main.warn_load_balancer", "warning", "open"],
    ]);
    expect(mine[0]!.waiver!.reason).toMatch(/exception rule \(privileged\)/);
  });

  it("gives the policies data files (--data), merged at the root of data", async () => {
    const dir = repo({
      "registries.rego": `package main

import rego.v1

deny contains msg if {
  some c in input.spec.template.spec.containers
  not startswith(c.image, data.registries.allowed)
  msg := sprintf("image %s is not from %s", [c.image, data.registries.allowed])
}
`,
    });
    mkdirSync(join(dir, "data"));
    writeFileSync(
      join(dir, "data", "registries.yaml"),
      "registries:\n  allowed: registry.example.com/\n",
    );
    const { stdout } = await run(
      ["check", "app.yaml", "--policy", "policy", "--data", "data", "--format", "json"],
      dir,
    );
    const mine = (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.filter(
      (f) => f.rule === "main.deny",
    );
    expect(mine.map((f) => f.message)).toEqual([
      "image ghcr.io/acme/web:1.0.0 is not from registry.example.com/",
    ]);
    const missing = await run(
      ["check", "app.yaml", "--policy", "policy", "--data", "nowhere", "--format", "json"],
      dir,
    );
    expect(missing.code).toBe(2);
    expect(
      (JSON.parse(missing.stdout) as { errors: { message: string }[] }).errors[0]!.message,
    ).toMatch(/data path .*nowhere does not exist/);
  });

  describe("conftest's finer points", () => {
    const findings = (stdout: string, rule: string) =>
      (JSON.parse(stdout) as { findings: (JsonFinding & { status?: string })[] }).findings.filter(
        (f) => f.rule === rule,
      );

    it("refuses `deny[msg] if` (an object rule in Rego v1) instead of reporting `true`", async () => {
      const dir = repo({
        "object.rego":
          'package main\n\nimport rego.v1\n\ndeny[msg] if {\n  input.kind == "Service"\n  msg := "a service"\n}\n',
      });
      const { code, stdout } = await run(
        ["check", "app.yaml", "--policy", "policy", "--format", "json"],
        dir,
      );
      expect(code).toBe(2);
      const report = JSON.parse(stdout) as { errors: { message: string }[] };
      expect(report.errors.map((e) => e.message)).toContain(
        "repository policy main.deny is not a set of messages: in Rego v1 write `deny contains msg if { ... }`",
      );
      expect(findings(stdout, "main.deny").map((f) => f.message)).not.toContain("true");
    });

    it('lets an exception naming "" waive the unsuffixed rules, as conftest does', async () => {
      const dir = repo({
        "all.rego": `package main

deny[msg] {
  input.kind == "Deployment"
  msg := "no deployments here"
}

exception[rules] {
  input.metadata.name == "web"
  rules := [""]
}
`,
      });
      const { stdout } = await run(
        ["check", "app.yaml", "--policy", "policy", "--format", "json"],
        dir,
      );
      expect(findings(stdout, "main.deny").map((f) => f.status)).toEqual(["waived"]);
    });

    it("gives data.conftest.file the file's name and folder", async () => {
      const dir = repo({
        "file.rego":
          'package main\n\nimport rego.v1\n\nwarn contains msg if {\n  input.kind == "Service"\n  msg := sprintf("%s in %s", [data.conftest.file.name, data.conftest.file.dir])\n}\n',
      });
      mkdirSync(join(dir, "apps"));
      writeFileSync(join(dir, "apps", "svc.yaml"), MANIFESTS);
      const { stdout } = await run(
        ["check", "apps/svc.yaml", "--policy", "policy", "--format", "json"],
        dir,
      );
      expect(findings(stdout, "main.warn").map((f) => f.message)).toEqual([
        "apps/svc.yaml in apps",
      ]);
    });

    it("puts a data file in a subfolder under that folder's key, as OPA's loader does", async () => {
      const dir = repo({
        "nested.rego":
          'package main\n\nimport rego.v1\n\nwarn contains msg if {\n  input.kind == "Service"\n  msg := sprintf("%s/%s", [data.teams.owner, data.limit])\n}\n',
      });
      mkdirSync(join(dir, "data", "teams"), { recursive: true });
      writeFileSync(join(dir, "data", "teams", "owners.yaml"), "owner: platform\n");
      writeFileSync(join(dir, "data", "top.json"), '{"limit": "ten"}');
      const { stdout } = await run(
        ["check", "app.yaml", "--policy", "policy", "--data", "data", "--format", "json"],
        dir,
      );
      expect(findings(stdout, "main.warn").map((f) => f.message)).toEqual(["platform/ten"]);
    });

    it("takes one .rego file as --policy", async () => {
      const dir = repo({ "workloads.rego": V0_POLICY });
      const { stdout } = await run(
        ["check", "app.yaml", "--policy", "policy/workloads.rego", "--format", "json"],
        dir,
      );
      expect(findings(stdout, "main.deny").map((f) => f.message)).toEqual([
        "Container web is privileged",
      ]);
    });
  });
});
