// A repository whose policies call builtins only the pinned opa supplies (test/fixtures/opa-eval):
// conftest-style Rego (x509, uri.parse, json.match_schema) and a Gatekeeper template
// (net.cidr_merge), with manifests that break them. Shared by the CLI and the app tests, and the
// messages the real tools print for them (conftest and opa eval), computed from the same inputs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";

const DIR = join(packageRoot(), "test", "fixtures", "opa-eval");
const read = (p: string) => readFileSync(join(DIR, p), "utf8");
const indent = (text: string, by: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => by + l)
    .join("\n");

/** A ConfigMap with the test certificate, annotated with the host it serves and its docs. */
const configMap = (name: string, host: string, docs: string, port: number) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  annotations:
    portcullis.test/host: ${host}
    portcullis.test/docs: ${docs}
data:
  tls.crt: |
${indent(read("certificate.crt"), "    ")}
  config.json: '{"port": ${port}}'
`;

/** ConfigMaps (certificate, docs link, config JSON) and a Service, in one file. */
export const OPA_EVAL_MANIFESTS = `${configMap("shop-tls", "shop.example.com", "http://docs.example.com/tls", 80)}---
${configMap("api-tls", "api.portcullis.test", "https://docs.example.com/tls", 8443)}---
apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: ["10.1.0.0/24", "10.1.1.0/24", "172.16.0.0/24"]
  ports:
    - port: 443
`;

/** The repository files: manifests under apps/, Rego under policy/, Gatekeeper under gatekeeper/. */
export function opaEvalRepository(): Record<string, string> {
  return {
    "apps/shop.yaml": OPA_EVAL_MANIFESTS,
    "policy/certificates.rego": read("conftest/certificates.rego"),
    "policy/schema.rego": read("conftest/schema.rego"),
    "gatekeeper/template.yaml": read("gatekeeper/template.yaml"),
    "gatekeeper/constraint.yaml": read("gatekeeper/constraint.yaml"),
  };
}

/** `conftest test` of the manifests with the policies: its messages, sorted (undefined without conftest). */
export function conftestMessages(): string[] | undefined {
  const conftest = join(packageRoot(), ".tools", "bin", "conftest");
  if (!existsSync(conftest)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "opa-eval-conftest-"));
  writeFileSync(join(dir, "shop.yaml"), OPA_EVAL_MANIFESTS);
  const r = spawnSync(
    conftest,
    ["test", "shop.yaml", "-p", join(DIR, "conftest"), "--rego-version", "v0", "-o", "json"],
    {
      cwd: dir,
      encoding: "utf8",
    },
  );
  const out = JSON.parse(r.stdout) as {
    failures?: { msg: string }[];
    warnings?: { msg: string }[];
  }[];
  return out
    .flatMap((f) => [...(f.failures ?? []), ...(f.warnings ?? [])].map((x) => x.msg))
    .sort();
}

/** `opa eval` of the template's violation on the Service as Gatekeeper reviews it. */
export function gatekeeperMessages(): string[] {
  const template = parseYaml(read("gatekeeper/template.yaml")) as {
    spec: { targets: { rego: string }[] };
  };
  const constraint = parseYaml(read("gatekeeper/constraint.yaml")) as {
    spec: { parameters: unknown };
  };
  const service = OPA_EVAL_MANIFESTS.split("\n---\n").map(
    (d) => parseYaml(d) as { kind: string; metadata: { name: string } },
  )[2]!;
  const dir = mkdtempSync(join(tmpdir(), "opa-eval-gk-"));
  writeFileSync(join(dir, "t.rego"), template.spec.targets[0]!.rego);
  const review = {
    object: service,
    kind: { group: "", version: "v1", kind: "Service" },
    operation: "CREATE",
    name: service.metadata.name,
  };
  writeFileSync(
    join(dir, "input.json"),
    JSON.stringify({ review, parameters: constraint.spec.parameters }),
  );
  const r = spawnSync(
    findOpa(),
    [
      "eval",
      "-f",
      "json",
      "--v0-compatible",
      "-d",
      join(dir, "t.rego"),
      "-i",
      join(dir, "input.json"),
      "data.k8sallowedsourceranges.violation",
    ],
    { encoding: "utf8" },
  );
  const out = JSON.parse(r.stdout) as { result: { expressions: { value: { msg: string }[] }[] }[] };
  return out.result[0]!.expressions[0]!.value.map((v) => v.msg).sort();
}
