// kube-schema's process boundary: the repository's CRDs are sent once per process and named by
// later requests (sent again to a process started after a crash); a CRD is decoded only when one
// of its kinds is validated; a kube-schema that crashes or hangs mid-run fails the documents it
// was asked about with a one-line reason (never a pass). The real binary's part needs
// `npm run build:schema` (skipped, and said so, without it).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../../src/adapters/fs/policy-bundle.js";
import {
  CrdSet,
  KubeSchemaSession,
  kubeSchemaInfo,
} from "../../../src/engines/schema/kube-schema.js";
import { contentKey } from "../../../src/engines/schema/ahead.js";
import { runCommand } from "../../support/cli.js";

/** A stand-in kube-schema in a folder of its own (`body` is given that folder). */
function script(body: (dir: string) => string): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-kube-schema-"));
  const file = join(dir, "kube-schema");
  writeFileSync(file, `#!/bin/sh\n${body(dir)}\n`);
  chmodSync(file, 0o755);
  return { file, dir };
}

const ANSWER = `{"results":[{"findings":[]}],"crdErrors":null}`;
const WIDGET_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    names: { kind: "Widget", plural: "widgets" },
    scope: "Namespaced",
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
          },
        },
      },
    ],
  },
};
// Not a structural schema (a property without a type): the API server refuses this CRD.
const GADGET_CRD = {
  ...WIDGET_CRD,
  metadata: { name: "gadgets.example.com" },
  spec: {
    ...WIDGET_CRD.spec,
    names: { kind: "Gadget", plural: "gadgets" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", properties: { spec: {} } } },
      },
    ],
  },
};
const widget = (spec: unknown) => ({
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name: "w", namespace: "x" },
  spec,
});

describe("KubeSchemaSession and CRD sets", () => {
  it("sends a CRD set once to a process and names it in the later requests", async () => {
    const { file, dir } = script(
      (dir) =>
        `while read -r line; do printf '%s\\n' "$line" >> ${dir}/lines; echo '${ANSWER}'; done`,
    );
    const session = new KubeSchemaSession(file);
    const crds = new CrdSet([WIDGET_CRD, WIDGET_CRD]);
    expect(crds.size).toBe(1); // the same CRD read from two places is sent once
    for (let i = 0; i < 3; i++)
      await session.request({ version: "1.37", crds, documents: [widget({ size: i })] });
    await session.request({ version: "1.37", documents: [widget({})] });
    const lines = readFileSync(join(dir, "lines"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.crdSet, l.crds?.length])).toEqual([
      [crds.id, 1],
      [crds.id, undefined],
      [crds.id, undefined],
      [undefined, undefined],
    ]);
    expect(lines[2].documents).toEqual([widget({ size: 2 })]);
  });

  it("sends the set again to the process started after a crash", async () => {
    // The first process answers once and dies on its second request; the next answers all.
    const { file, dir } = script(
      (dir) =>
        `log() { printf '%s\\n' "$1" >> ${dir}/lines; }\n` +
        `if [ -e ${dir}/started ]; then while read -r line; do log "$line"; echo '${ANSWER}'; done; fi\n` +
        `: > ${dir}/started\nread -r line; log "$line"; echo '${ANSWER}'\n` +
        `read -r line; echo "out of memory" >&2; exit 2`,
    );
    const session = new KubeSchemaSession(file);
    const crds = new CrdSet([WIDGET_CRD]);
    const ask = () => session.request({ version: "1.37", crds, documents: [widget({})] });
    await ask();
    await expect(ask()).rejects.toThrow("kube-schema exited 2: out of memory");
    await ask();
    const lines = readFileSync(join(dir, "lines"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.crds?.length)).toEqual([1, 1]);
  });

  it("names a CRD the process was sent as a document (crdRefs), and sends it in full to a new process", async () => {
    // The first process answers twice and dies on its third request; the next answers all.
    const { file, dir } = script(
      (dir) =>
        `log() { printf '%s\\n' "$1" >> ${dir}/lines; }\n` +
        `if [ -e ${dir}/started ]; then while read -r line; do log "$line"; echo '${ANSWER}'; done; fi\n` +
        `: > ${dir}/started\nfor i in 1 2; do read -r line; log "$line"; echo '${ANSWER}'; done\n` +
        `read -r line; exit 2`,
    );
    const json = [JSON.stringify(WIDGET_CRD), JSON.stringify(widget({}))];
    const keys = json.map(contentKey);
    const documents = [WIDGET_CRD, widget({})];
    const session = new KubeSchemaSession(file);
    session.crdRefs = true;
    await session.request({ version: "1.37", documents, json, keys });
    // The same CRD read again (another object) and one never sent as a document.
    const crds = () =>
      new CrdSet([structuredClone(WIDGET_CRD), GADGET_CRD], (c) =>
        c === WIDGET_CRD ? { json: json[0]!, key: keys[0]! } : undefined,
      );
    await session.request({ version: "1.37", crds: crds(), documents: [widget({ size: 1 })] });
    await expect(
      session.request({ version: "1.37", crds: crds(), documents: [widget({})] }),
    ).rejects.toThrow("kube-schema exited 2");
    await session.request({ version: "1.37", crds: crds(), documents: [widget({})] });
    // Without crdRefs (an older binary): in full.
    const older = new KubeSchemaSession(file);
    await older.request({ version: "1.37", documents, json, keys });
    await older.request({ version: "1.37", crds: crds(), documents: [widget({})] });
    const lines = readFileSync(join(dir, "lines"), "utf8").trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).crds)).toEqual([
      undefined,
      [`sha256:${keys[0]}`, GADGET_CRD],
      [WIDGET_CRD, GADGET_CRD],
      undefined,
      [WIDGET_CRD, GADGET_CRD],
    ]);
    expect(lines[1]).toContain(`"crds":["sha256:${keys[0]}",${JSON.stringify(GADGET_CRD)}]`);
  });

  it("a kube-schema that cannot say which versions it carries is not run, and says why", async () => {
    const { file } = script(() => "read -r line; echo '[]'");
    expect(await kubeSchemaInfo(file, new KubeSchemaSession(file))).toBe(
      "kube-schema carries no Kubernetes version",
    );
    const { file: dead } = script(() => "echo 'no schemas' >&2; exit 1");
    expect(await kubeSchemaInfo(dead, new KubeSchemaSession(dead))).toBe(
      "kube-schema could not say which versions it carries: kube-schema exited 1: no schemas",
    );
  });

  it("asks again which versions kube-schema carries after it could not say (the app runs for days)", async () => {
    // Killed at its first start (out of memory, a deploy); fine from then on.
    const { file } = script(
      (dir) =>
        `if [ ! -e ${dir}/started ]; then : > ${dir}/started; echo 'killed' >&2; exit 137; fi\n` +
        `while read -r line; do echo '{"versions":["1.37"],"kubernetes":[],"crds":[]}'; done`,
    );
    expect(await kubeSchemaInfo(file, new KubeSchemaSession(file))).toBe(
      "kube-schema could not say which versions it carries: kube-schema exited 137: killed",
    );
    expect(await kubeSchemaInfo(file, new KubeSchemaSession(file))).toEqual({
      versions: ["1.37"],
      kubernetes: [],
      crds: [],
    });
  });

  it("fails a request kube-schema does not answer in time, with the limit in the reason", async () => {
    const { file } = script(() => "while read -r line; do :; done");
    const session = new KubeSchemaSession(file, 300);
    await expect(session.request({ version: "1.37", documents: [widget({})] })).rejects.toThrow(
      "kube-schema took longer than 0.3 s and was stopped",
    );
  });

  it("never gives a stopped process's late answer to the next process's request", async () => {
    // The first process leaves its answer to a child of its own, which writes it to the same pipe
    // after the process was stopped at the time limit (2 s), while the next process takes 1.5 s.
    // (PATH is empty in kube-schema's environment: hence /bin/sleep.)
    const STALE = `{"results":[{"findings":[{"rule":"PCV001","path":[],"message":"stale"}]}],"crdErrors":null}`;
    const { file } = script(
      (dir) =>
        `if [ ! -e ${dir}/started ]; then : > ${dir}/started; read -r line; (/bin/sleep 2.8; echo '${STALE}') & wait; fi\n` +
        `while read -r line; do /bin/sleep 1.5; echo '${ANSWER}'; done`,
    );
    const session = new KubeSchemaSession(file, 2000);
    const first = session.request({ version: "1.37", documents: [widget({})] });
    const second = first.then(
      () => undefined,
      () => session.request({ version: "1.37", documents: [widget({ size: 1 })] }),
    );
    await expect(first).rejects.toThrow("was stopped");
    await expect(second).resolves.toEqual(JSON.parse(ANSWER));
  });
});

const binary = join(packageRoot(), ".tools", "bin", "kube-schema");
const built = existsSync(binary);
const SKIPPED = built ? "" : " (skipped: kube-schema is not built, npm run build:schema)";

(built ? describe : describe.skip)(`kube-schema's CRD sets${SKIPPED}`, () => {
  it("validates several requests with a set sent once, as with the CRDs sent each time", async () => {
    const session = new KubeSchemaSession(binary);
    const crds = new CrdSet([WIDGET_CRD]);
    const docs = [widget({ size: "big" }), widget({ colour: "red" })];
    const once = [];
    for (const d of docs) once.push(await session.request({ version: "", crds, documents: [d] }));
    const each = [];
    for (const d of docs)
      each.push(
        await new KubeSchemaSession(binary).request({
          version: "",
          crds: new CrdSet([WIDGET_CRD]),
          documents: [d],
        }),
      );
    expect(once).toEqual(each);
    expect(once.map((a) => a.results[0]!.findings!.map((f) => f.rule))).toEqual([
      ["PCV001"],
      ["PCV002"],
    ]);
  });

  it("decodes a CRD only when one of its kinds is validated; a broken one fails its own kinds only", async () => {
    const session = new KubeSchemaSession(binary);
    const crds = new CrdSet([GADGET_CRD, WIDGET_CRD]);
    const a = await session.request({ version: "", crds, documents: [widget({ colour: "red" })] });
    expect(a.crdErrors).toBeNull();
    expect(a.results[0]!.findings!.map((f) => f.rule)).toEqual(["PCV002"]);
    const gadget = { ...widget({}), kind: "Gadget" };
    const b = await session.request({ version: "", crds, documents: [gadget] });
    expect(b.crdErrors?.map((e) => e.index)).toEqual([0]);
    expect(b.crdErrors?.[0]?.message).toMatch(/not a structural schema|must not be empty|type/);
    expect(b.results[0]!.findings!.map((f) => f.rule)).toEqual(["PCV007"]);
  });

  it("with crdsIfUnknown, answers as asking without the CRDs, then again with them for the kinds with no schema", async () => {
    // A repository CRD that redefines Flux's Kustomization loosely: it is for unknown kinds only.
    const looseFlux = {
      ...WIDGET_CRD,
      metadata: { name: "kustomizations.kustomize.toolkit.fluxcd.io" },
      spec: {
        ...WIDGET_CRD.spec,
        group: "kustomize.toolkit.fluxcd.io",
        names: { kind: "Kustomization", plural: "kustomizations" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
          },
        ],
      },
    };
    const flux = {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "apps", namespace: "flux-system" },
      spec: {
        interval: "10m",
        prune: true,
        sourceRef: { kind: "GitRepository", name: "r" },
        bogus: 1,
      },
    };
    const docs = [
      widget({ colour: "red" }),
      flux,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
    ];
    const crds = new CrdSet([WIDGET_CRD, looseFlux]);
    const one = await new KubeSchemaSession(binary).request({
      version: "",
      crds,
      documents: docs,
      crdsIfUnknown: true,
    });
    const twice = new KubeSchemaSession(binary);
    const first = await twice.request({ version: "", documents: docs });
    const again = await twice.request({
      version: "",
      crds: new CrdSet([WIDGET_CRD, looseFlux]),
      documents: [docs[0]],
    });
    expect(one.results).toEqual([again.results[0], first.results[1], first.results[2]]);
    expect(one.results.map((r) => (r.findings ?? []).map((f) => f.rule))).toEqual([
      ["PCV002"],
      ["PCV002"],
      [],
    ]);
  });

  it("answers a CRD set naming the CRDs sent as documents as the one sending them (crdRefs)", async () => {
    const documents = [WIDGET_CRD, GADGET_CRD];
    const json = documents.map((d) => JSON.stringify(d));
    const keys = json.map(contentKey);
    const docs = [
      widget({ size: "big" }),
      widget({ colour: "red" }),
      { ...widget({}), kind: "Gadget" },
    ];
    const answers = async (crdRefs: boolean) => {
      const session = new KubeSchemaSession(binary);
      session.crdRefs = crdRefs;
      const sent = (c: unknown) => {
        const i = documents.indexOf(c as typeof WIDGET_CRD);
        return i < 0 ? undefined : { json: json[i]!, key: keys[i]! };
      };
      return [
        await session.request({ version: "", documents, json, keys }),
        await session.request({ version: "", crds: new CrdSet(documents, sent), documents: docs }),
      ];
    };
    expect(await kubeSchemaInfo(binary, new KubeSchemaSession(binary))).toMatchObject({
      crdRefs: true,
    });
    const named = await answers(true);
    expect(named).toEqual(await answers(false));
    expect(named[1]!.crdErrors?.map((e) => e.index)).toEqual([1]);
    expect(named[1]!.results.map((r) => (r.findings ?? []).map((f) => f.rule))).toEqual([
      ["PCV001"],
      ["PCV002"],
      ["PCV007"],
    ]);
  });

  it("says which versions it carries through the session, as --versions prints them", async () => {
    const session = new KubeSchemaSession(binary);
    const printed = spawnSync(binary, ["--versions"], { encoding: "utf8" }).stdout;
    expect(await kubeSchemaInfo(binary, session)).toEqual(JSON.parse(printed));
  });

  it("refuses a request naming a CRD set it was never sent", () => {
    const r = spawnSync(binary, [], {
      input: `${JSON.stringify({ version: "", crdSet: "nope", documents: [] })}\n`,
      encoding: "utf8",
    });
    expect(JSON.parse(r.stdout)).toEqual({
      results: null,
      crdErrors: null,
      error: 'no CRD set "nope" was sent to this process',
    });
  });

  it("a kube-schema that crashes mid-run ends the check with an error, not a pass", async () => {
    // Says which versions it carries as the real one does, then dies on every request.
    const { file, dir } = script(
      (dir) =>
        `if [ ! -e ${dir}/started ]; then : > ${dir}/started; read -r line; ${binary} --versions; fi\n` +
        `read -r line; echo "fatal error: out of memory" >&2; exit 2`,
    );
    writeFileSync(
      join(dir, "deploy.yaml"),
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicaz: 2\n",
    );
    const r = await runCommand(["check", ".", "-f", "json"], dir, { PORTCULLIS_KUBE_SCHEMA: file });
    const json = JSON.parse(r.stdout) as { errors: { file: string; message: string }[] };
    expect(r.code).not.toBe(0);
    expect(json.errors).toEqual([
      expect.objectContaining({
        file: "deploy.yaml",
        message: expect.stringContaining(
          "schema validation could not run: kube-schema exited 2: fatal error: out of memory",
        ),
      }),
    ]);
  });
});
