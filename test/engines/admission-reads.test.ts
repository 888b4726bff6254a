// The admission engines (Gatekeeper, Kyverno, ValidatingAdmissionPolicy) share one read of the
// admission folders and one of the inventory per run: policies from the base, objects from the head.
import { parseConfig } from "../../src/config/config.js";
import { readAdmissionFile } from "../../src/engines/admission-file.js";
import { gatekeeperEngine } from "../../src/engines/gatekeeper/index.js";
import { kyvernoEngine } from "../../src/engines/kyverno/index.js";
import { vapEngine } from "../../src/engines/vap/index.js";
import { loadReviewEngines } from "../../src/review/repository-policies.js";
import type { PolicySource } from "../../src/ports/policy-compiler.js";
import type { PolicyEngine } from "../../src/ports/policy-engine.js";
import type { FileAtCommit, PullRequestSource } from "../../src/ports/pull-request-source.js";
import { DISALLOW_PRIVILEGED } from "./kyverno/fixtures.js";

const context = { settingDefaults: {}, ruleIds: new Set<string>() };
const { config } = parseConfig("policies:\n  admission: [admission]\n", context);

const template = (kind: string) => `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: ${kind.toLowerCase()}
spec:
  crd:
    spec:
      names:
        kind: ${kind}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package ${kind.toLowerCase()}
        violation[{"msg": "no"}] { false }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: ${kind}
metadata:
  name: ${kind.toLowerCase()}-all
`;
const VAP = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [CREATE]
        resources: [deployments]
  validations:
    - expression: "object.spec.replicas <= 5"
`;
const namespace = (team: string) =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    team: ${team}\n`;

/** A change whose base and head differ in both the admission folder and the objects. */
function change(side: { base: Record<string, string>; head: Record<string, string> }) {
  const reads: string[] = [];
  const lists: string[] = [];
  const source: PullRequestSource = {
    base: "base",
    head: "head",
    changedFiles: async () => ({ files: [], complete: true, total: 0 }),
    readFile: async (commit, path) => bytes(side[commit as "base" | "head"][path]),
    readFiles: async (requests: readonly FileAtCommit[]) =>
      requests.map((r) => {
        reads.push(`${r.commit}:${r.path}`);
        return bytes(side[r.commit as "base" | "head"][r.path]);
      }),
    listPaths: async (commit) => {
      lists.push(commit);
      return Object.keys(side[commit as "base" | "head"]).sort();
    },
  };
  return { source, reads, lists };
}
const bytes = (t: string | undefined) => (t === undefined ? undefined : Buffer.from(t));

/** Loads the three admission engines as a review does; records what Gatekeeper was given. */
async function review(source: PullRequestSource) {
  const given: { files: readonly PolicySource[]; inventory: readonly unknown[] }[] = [];
  const loaded = await loadReviewEngines(source, config, {
    catalogue: {} as PolicyEngine,
    rules: new Map(),
    registry: [gatekeeperEngine, kyvernoEngine, vapEngine],
    opa: {
      parseData: () => ({}),
      compiler: {
        conftest: () => Promise.reject(new Error("not used")),
        gatekeeper: async (files, inventory) => {
          given.push({ files, inventory });
          return { errors: [], notEvaluated: [], constraints: [] };
        },
      },
    },
  });
  return { loaded, given };
}

const BASE = {
  "admission/gatekeeper.yaml": template("K8sBase"),
  "admission/kyverno.yaml": DISALLOW_PRIVILEGED,
  "admission/vap.yaml": VAP,
  "apps/namespace.yaml": namespace("base"),
};
const HEAD = {
  ...BASE,
  "admission/gatekeeper.yaml": template("K8sHead"),
  "apps/namespace.yaml": namespace("head"),
};

describe("one read of the admission folders per run", () => {
  it("reads each policy file once at the base and each inventory file once at the head", async () => {
    const { source, reads, lists } = change({ base: BASE, head: HEAD });
    const { loaded, given } = await review(source);
    expect(loaded.problems.filter((p) => /could not be loaded/.test(p.message))).toEqual([]);
    // Policies at the base, each once, whichever of the three engines read them.
    const policyReads = reads.filter((r) => r.includes(":admission/")).sort();
    expect(policyReads).toEqual([
      "base:admission/gatekeeper.yaml",
      "base:admission/kyverno.yaml",
      "base:admission/vap.yaml",
    ]);
    // The inventory at the head, once, and without the admission folder.
    expect(reads.filter((r) => r.startsWith("head:"))).toEqual(["head:apps/namespace.yaml"]);
    expect(lists.sort()).toEqual(["base", "head"]);
    // Gatekeeper saw the base's template and the head's Namespace.
    expect(given).toHaveLength(1);
    expect(given[0]!.files.find((f) => f.path === "admission/gatekeeper.yaml")!.text).toContain(
      "K8sBase",
    );
    expect(given[0]!.inventory).toEqual([
      expect.objectContaining({ metadata: { name: "apps", labels: { team: "head" } } }),
    ]);
  });

  it("shares nothing between runs: another change's review reads its own base and head", async () => {
    const first = change({ base: BASE, head: HEAD });
    await review(first.source);
    const second = change({
      base: { ...BASE, "admission/gatekeeper.yaml": template("K8sOther") },
      head: { ...HEAD, "apps/namespace.yaml": namespace("other") },
    });
    const { given } = await review(second.source);
    expect(second.reads.filter((r) => r.includes(":admission/"))).toHaveLength(3);
    expect(given[0]!.files.find((f) => f.path === "admission/gatekeeper.yaml")!.text).toContain(
      "K8sOther",
    );
    expect(given[0]!.inventory).toEqual([
      expect.objectContaining({ metadata: { name: "apps", labels: { team: "other" } } }),
    ]);
  });

  it("parses a source once for every engine, and a different source on its own", () => {
    const source: PolicySource = { path: "a.yaml", text: VAP };
    const a = readAdmissionFile(source, "Gatekeeper");
    const b = readAdmissionFile(source, "Kyverno");
    expect(b.documents[0]!.doc).toBe(a.documents[0]!.doc);
    const other = readAdmissionFile({ path: "a.yaml", text: VAP }, "Kyverno");
    expect(other.documents[0]!.doc).not.toBe(a.documents[0]!.doc);
    expect(other.documents[0]!.value).toEqual(a.documents[0]!.value);
  });

  it("names each engine in the reading problems of a file parsed once", () => {
    const source: PolicySource = { path: "bad.yaml", text: "a: [\n" };
    expect(readAdmissionFile(source, "Gatekeeper").problems[0]!.message).toMatch(
      /^Gatekeeper file could not be read/,
    );
    expect(readAdmissionFile(source, "Kyverno").problems[0]!.message).toMatch(
      /^Kyverno file could not be read/,
    );
  });
});
