// What the other walkers of `check` cannot read (a name that is not UTF-8, a folder or file
// without permission) fails the run, as check's own walk refuses it (false-greens.test.ts): the
// policy folders of --policy, the CRD search of schema validation, and --render's listing.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { runCommand } from "../support/cli.js";
import { crd, custom } from "../support/crds.js";
import { asOther, checkLocked, named } from "../support/unreadable.js";
import { checkIn, removeWorkspaces, workspace, type JsonReport } from "../support/workspace.js";

const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
/** A policy that denies every object: left out, the run would pass. */
const DENY_ALL = 'package main\n\nimport rego.v1\n\ndeny contains "denied" if true\n';

afterAll(removeWorkspaces);

const errorsOf = (report: JsonReport) =>
  (report.errors as unknown as { file: string; message: string }[]).map((e) => e.message);

// `--policy policy`, and the folder `policies.paths` names by default (policy/, from the working tree).
const WAYS = [[], ["--policy", "policy"]];

describe("policy folders", () => {
  it("a policy folder or file whose name is not UTF-8 fails the run, its rules never left out", async () => {
    for (const [parts, at] of [
      [["/policy/more", 0xff], "policy/more\ufffd: a folder whose name is not UTF-8"],
      [["/policy/deny", 0xff, ".rego"], "policy/deny\ufffd.rego: a file whose name is not UTF-8"],
    ] as const) {
      const dir = workspace({ "app.yaml": CONFIGMAP, "policy/ok.rego": "package main\n" });
      const policy = named(dir, ...parts);
      if (parts.length === 2) {
        mkdirSync(policy);
        writeFileSync(Buffer.concat([policy, Buffer.from("/deny.rego")]), DENY_ALL);
      } else writeFileSync(policy, DENY_ALL);
      for (const way of WAYS) {
        const { code, report } = await checkIn(dir, "app.yaml", ...way);
        expect(code).toBe(2);
        expect(errorsOf(report)).toEqual([
          expect.stringContaining(`${at} (rename it): its policies cannot be read`),
        ]);
      }
    }
  });

  (asOther ? it : it.skip)("a policy file or folder that cannot be read fails the run", () => {
    for (const locked of ["policy/deny.rego", "policy/more"]) {
      const dir = workspace({
        "app.yaml": CONFIGMAP,
        "policy/ok.rego": "package main\n",
        "policy/deny.rego": DENY_ALL,
        "policy/more/deny.rego": DENY_ALL,
      });
      for (const way of WAYS) {
        const { code, report } = checkLocked(dir, locked, ["app.yaml", ...way]);
        expect(code).toBe(2);
        const what = locked.endsWith(".rego") ? "a file" : "a folder";
        expect(errorsOf(report)).toEqual([
          expect.stringContaining(
            `${locked}: ${what} that cannot be read (permission denied): its policies cannot be read`,
          ),
        ]);
      }
    }
  });
});

const CRD = crd("Widget");
const WIDGET = custom("Widget");

describe("the working tree's CRDs", () => {
  it("a folder whose name is not UTF-8 fails the resources without a schema, not a PCV007 notice", async () => {
    const dir = workspace({ "apps/widget.yaml": WIDGET });
    mkdirSync(named(dir, "/crds", 0xff));
    writeFileSync(named(dir, "/crds", 0xff, "/widget.yaml"), CRD);
    const { code, report } = await checkIn(dir, "apps");
    expect(code).not.toBe(0);
    expect(errorsOf(report)).toEqual([
      expect.stringMatching(
        /crds\ufffd: a folder whose name is not UTF-8 \(rename it\): the CRDs in it cannot be searched/,
      ),
    ]);
  });

  (asOther ? it : it.skip)("a folder that cannot be read fails them too", () => {
    const dir = workspace({ "apps/widget.yaml": WIDGET, "crds/widget.yaml": CRD });
    const { code, report } = checkLocked(dir, "crds", ["apps"]);
    expect(code).not.toBe(0);
    expect(errorsOf(report)).toEqual([
      expect.stringContaining(
        "crds: a folder that cannot be read (permission denied): the CRDs in it cannot be searched",
      ),
    ]);
  });
});

const CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n";
const PRIVILEGED = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      image: x
      securityContext: {privileged: true}
`;

describe("--render's listing", () => {
  it("a chart's template folder whose name is not UTF-8 fails the run, its templates never left out", async () => {
    const dir = workspace({ "chart/Chart.yaml": CHART, "chart/templates/cm.yaml": CONFIGMAP });
    mkdirSync(named(dir, "/chart/templates/more", 0xff));
    writeFileSync(named(dir, "/chart/templates/more", 0xff, "/pod.yaml"), PRIVILEGED);
    const r = await runCommand(["check", "--render", "chart/Chart.yaml", "--format", "json"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^portcullis: chart\/templates\/more\ufffd: a folder whose name is not UTF-8 \(rename it\): --render cannot list what it holds\n$/,
    );
  });
});

describe("--admission folders", () => {
  const fixture = (path: string) =>
    readFileSync(join(packageRoot(), "test/fixtures/gatekeeper", path), "utf8");

  it("a folder whose name is not UTF-8 among them is an error at its path, never skipped", async () => {
    const dir = workspace({
      "app.yaml": CONFIGMAP,
      "admission/template.yaml": fixture("privileged/template.yaml"),
      "admission/constraint.yaml": fixture("privileged/samples/no-privileged/constraint.yaml"),
    });
    mkdirSync(named(dir, "/admission/more", 0xff));
    for (const f of ["template.yaml", "constraint.yaml"])
      writeFileSync(
        named(dir, "/admission/more", 0xff, `/${f}`),
        fixture(
          f === "template.yaml"
            ? "hostnetwork/template.yaml"
            : "hostnetwork/samples/no-host-network/constraint.yaml",
        ),
      );
    const { code, report } = await checkIn(dir, "app.yaml", "--admission", "admission");
    expect(code).toBe(2);
    expect(report.errors).toEqual([
      expect.objectContaining({
        file: "admission/more\ufffd",
        message:
          "admission policies not read: a folder whose name is not UTF-8: its files are not evaluated (rename it)",
      }),
    ]);
  });
});

describe("check's own files", () => {
  (asOther ? it : it.skip)(
    "a file that cannot be read, found or named, is refused at that file (PCS002), the rest still reviewed",
    () => {
      for (const target of [".", "locked.yaml"]) {
        const dir = workspace({ "ok.yaml": CONFIGMAP, "locked.yaml": CONFIGMAP });
        const { code, stderr, report } = checkLocked(dir, "locked.yaml", [target]);
        expect(stderr).toBe("");
        expect(code).toBe(1);
        expect(
          report.findings.filter((f) => f.rule === "PCS002").map((f) => `${f.file}: ${f.message}`),
        ).toEqual(["locked.yaml: a file that cannot be read (permission denied): not evaluated"]);
        expect(report.summary.filesEvaluated).toBe(target === "." ? 1 : 0);
      }
    },
  );
});

// The walk of the whole repository for kustomizations and Chart.yaml files (roleFiles in
// directory-source.ts), which decides what a checked file is (a kustomize patch, a chart template):
// a folder it could not read was skipped in silence, and a kustomization it could not read ended
// the run in "cannot open ...". The patch below is evaluated as a whole object without its
// kustomization; the refusal says why.
const PATCH = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n";
const NAMES_PATCH = "resources: []\npatches:\n  - path: ../apps/patch.yaml\n";
const refusedAt = (report: JsonReport) =>
  report.findings.filter((f) => f.rule === "PCS002").map((f) => `${f.file}: ${f.message}`);

describe("the repository walk for kustomizations and charts", () => {
  const repo = () => {
    const dir = workspace({ "apps/patch.yaml": PATCH, "apps/cm.yaml": CONFIGMAP });
    mkdirSync(join(dir, ".git"));
    return dir;
  };

  it("a folder outside the checked ones whose name is not UTF-8 is refused at its path, the rest reviewed", async () => {
    const dir = repo();
    mkdirSync(named(dir, "/overlay", 0xff));
    writeFileSync(named(dir, "/overlay", 0xff, "/kustomization.yaml"), NAMES_PATCH);
    const { report } = await checkIn(dir, "apps");
    expect(refusedAt(report)).toEqual([
      "overlay\ufffd: a folder whose name is not UTF-8 (rename it): the kustomizations and Helm charts in it are not known (a file they name may be read as a whole object)",
    ]);
    expect(report.summary.filesEvaluated).toBe(2);
  });

  (asOther ? it : it.skip)(
    "a folder or kustomization without permission is refused at its path, the rest reviewed",
    () => {
      for (const [locked, what] of [
        [
          "overlay",
          "a folder that cannot be read (permission denied): the kustomizations and Helm charts in it are not known",
        ],
        [
          "overlay/kustomization.yaml",
          "a file that cannot be read (permission denied): the patches it names are not known",
        ],
      ] as const) {
        const dir = repo();
        mkdirSync(join(dir, "overlay"));
        writeFileSync(join(dir, "overlay/kustomization.yaml"), NAMES_PATCH);
        const { code, report } = checkLocked(dir, locked, ["apps"]);
        expect(code).toBe(1);
        expect(refusedAt(report)).toEqual([
          `${locked}: ${what} (a file they name may be read as a whole object)`,
        ]);
        expect(report.summary.filesEvaluated).toBe(2);
      }
    },
  );

  it("a folder the configuration excludes is not reported", async () => {
    const dir = repo();
    writeFileSync(join(dir, ".github-config.yml"), 'exclude: ["overlay*/**"]\n');
    mkdirSync(named(dir, "/overlay", 0xff));
    writeFileSync(named(dir, "/overlay", 0xff, "/kustomization.yaml"), NAMES_PATCH);
    const { report } = await checkIn(dir, "apps", "--config", ".github-config.yml");
    expect(refusedAt(report)).toEqual([]);
    expect(report.summary.filesEvaluated).toBe(2);
  });

  it("a folder the check's own walk refuses is refused once", async () => {
    const dir = repo();
    mkdirSync(named(dir, "/apps/more", 0xff));
    writeFileSync(named(dir, "/apps/more", 0xff, "/kustomization.yaml"), NAMES_PATCH);
    const { report } = await checkIn(dir, "apps");
    expect(refusedAt(report)).toEqual([
      "apps/more\ufffd: a folder whose name is not UTF-8: its files are not evaluated (rename it)",
    ]);
  });
});
