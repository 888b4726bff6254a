// The working tree's CRD search of `check` (src/engines/schema/crds.ts): what it cannot read costs
// only the documents still without a schema, and where it stops at a limit it says so, at each
// document that then has no schema. It used to fail every document of the batch (a Deployment
// beside a Widget went unvalidated) and to stop past 32 folders or 1,000 files in silence.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repositoryCRDs } from "../../src/engines/schema/crds.js";
import { crd, custom } from "../support/crds.js";
import { asOther, checkLocked, named } from "../support/unreadable.js";
import { checkIn, removeWorkspaces, workspace, type JsonReport } from "../support/workspace.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x}
spec:
  replicas: three
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: 'ghcr.io/acme/web:1.0.0'}]
`;

afterAll(removeWorkspaces);

const errorsOf = (report: JsonReport) =>
  (report.errors as unknown as { file: string; message: string }[]).map(
    (e) => `${e.file}: ${e.message}`,
  );
const schemaFindings = (report: JsonReport) =>
  report.findings.filter((f) => f.rule.startsWith("PCV")).map((f) => `${f.file}:${f.rule}`);
const pcv007 = (report: JsonReport) =>
  report.findings.filter((f) => f.rule === "PCV007").map((f) => `${f.file}: ${f.message}`);

describe("the working tree's CRD search", () => {
  it("a folder it cannot read costs only the documents still without a schema; the rest are validated", async () => {
    const dir = workspace({
      "apps/widget.yaml": custom("Widget"),
      "apps/gadget.yaml": custom("Gadget"),
      "apps/deploy.yaml": DEPLOYMENT,
      "defs/gadget.yaml": crd("Gadget"),
    });
    mkdirSync(named(dir, "/crds", 0xff));
    writeFileSync(named(dir, "/crds", 0xff, "/widget.yaml"), crd("Widget"));
    const { code, report } = await checkIn(dir, "apps");
    expect(code).toBe(2);
    expect(errorsOf(report)).toEqual([
      "apps/widget.yaml: schema validation could not run: crds\ufffd: a folder whose name is not UTF-8 (rename it): the CRDs in it cannot be searched",
    ]);
    // The Deployment (a built-in schema) and the Gadget (its CRD read elsewhere) are validated.
    expect(schemaFindings(report).sort()).toEqual([
      "apps/deploy.yaml:PCV001",
      "apps/gadget.yaml:PCV001",
    ]);
  });

  // Only a folder, or a file named as YAML/JSON, can hold a CRD: a picture with a Latin-1 name
  // elsewhere in the tree failed every document without a schema (exit 2).
  it("a file whose name is not UTF-8 and not YAML/JSON costs nothing", async () => {
    const dir = workspace({
      "apps/widget.yaml": custom("Widget"),
      "apps/gadget.yaml": custom("Gadget"),
      "crds/widget.yaml": crd("Widget"),
    });
    mkdirSync(join(dir, "docs"));
    writeFileSync(named(dir, "/docs/caf", 0xe9, ".png"), "");
    writeFileSync(named(dir, "/docs/caf", 0xe9), "");
    const { code, report } = await checkIn(dir, "apps");
    expect(errorsOf(report)).toEqual([]);
    expect(schemaFindings(report).sort()).toEqual([
      "apps/gadget.yaml:PCV007",
      "apps/widget.yaml:PCV001",
    ]);
    expect(code).toBe(1);
    // One named as YAML could be a CRD: the documents still without a schema are not validated.
    writeFileSync(named(dir, "/docs/caf", 0xe9, ".yaml"), crd("Gadget"));
    const again = await checkIn(dir, "apps");
    expect(again.code).toBe(2);
    expect(errorsOf(again.report)).toEqual([
      "apps/gadget.yaml: schema validation could not run: docs/caf\ufffd.yaml: a file whose name is not UTF-8 (rename it): the CRDs in it cannot be searched",
    ]);
  });

  // The config's exclude quiets the repository walk's refusal of such a folder (PCS002); the CRD
  // search still refused it, so check could not pass however the folder was excluded.
  it("a folder it cannot read that the config excludes costs nothing", async () => {
    const dir = workspace({
      "apps/gadget.yaml": custom("Gadget"),
      ".github/portcullis.yml": 'exclude: ["data/**"]\n',
    });
    mkdirSync(join(dir, "data"));
    mkdirSync(named(dir, "/data/db", 0xff));
    const { code, report } = await checkIn(dir, "apps");
    expect(errorsOf(report)).toEqual([]);
    expect(report.findings.map((f) => `${f.file}:${f.rule}`)).toEqual(["apps/gadget.yaml:PCV007"]);
    expect(code).toBe(0);
  });

  (asOther ? it : it.skip)(
    "a folder without permission too (bin/portcullis, as nobody when root)",
    () => {
      const dir = workspace({
        "apps/widget.yaml": custom("Widget"),
        "apps/deploy.yaml": DEPLOYMENT,
        "crds/widget.yaml": crd("Widget"),
      });
      const { code, report } = checkLocked(dir, "crds", ["apps"]);
      expect(code).toBe(2);
      expect(errorsOf(report)).toEqual([
        "apps/widget.yaml: schema validation could not run: crds: a folder that cannot be read (permission denied): the CRDs in it cannot be searched",
      ]);
      expect(schemaFindings(report)).toEqual(["apps/deploy.yaml:PCV001"]);
    },
  );

  it("says where it stopped past 32 folders deep, at each document then without a schema", async () => {
    const deep = Array.from({ length: 34 }, (_, i) => `d${i}`).join("/");
    const dir = workspace({
      "apps/widget.yaml": custom("Widget"),
      [`${deep}/crd.yaml`]: crd("Widget"),
    });
    const { code, report } = await checkIn(dir, "apps");
    expect(code).toBe(0);
    expect(pcv007(report)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^apps/widget.yaml: no schema known for example.com/v1 Widget .*: not validated; the CRD search does not go deeper than 32 folders: ${Array.from({ length: 33 }, (_, i) => `d${i}`).join("/")} was not searched$`,
        ),
      ),
    ]);
  });

  it("says where it stopped past 1,000 YAML/JSON files, at each document then without a schema", async () => {
    const dir = workspace({ "apps/widget.yaml": custom("Widget"), "zz/crd.yaml": crd("Widget") });
    mkdirSync(join(dir, "many"));
    for (let i = 0; i < 1_000; i++)
      writeFileSync(join(dir, "many", `${String(i).padStart(4, "0")}.yaml`), "a: 1\n");
    const { code, report } = await checkIn(dir, "apps");
    expect(code).toBe(0);
    expect(pcv007(report)).toEqual([
      expect.stringMatching(
        /^apps\/widget.yaml: no schema known for example.com\/v1 Widget .*: not validated; the CRD search reads at most 1000 YAML\/JSON files: many\/0999.yaml and those after it were not searched$/,
      ),
    ]);
  });
});

describe("the working tree's CRD search at its limits exactly", () => {
  it("reads a CRD 32 folders deep and the 1,000th YAML/JSON file, and says nothing", async () => {
    const deep = Array.from({ length: 32 }, (_, i) => `d${i}`).join("/");
    const dir = workspace({
      "apps/widget.yaml": custom("Widget"),
      "apps/gadget.yaml": custom("Gadget"),
      [`${deep}/crd.yaml`]: crd("Widget"),
    });
    // With apps' two files and the deep CRD, many/ brings the count to 1,000 exactly, its last
    // file (in name order, the last read) a CRD.
    mkdirSync(join(dir, "many"));
    for (let i = 0; i < 996; i++)
      writeFileSync(join(dir, "many", `${String(i).padStart(4, "0")}.yaml`), "a: 1\n");
    writeFileSync(join(dir, "many", "0996.yaml"), crd("Gadget"));
    const { code, report } = await checkIn(dir, "apps");
    expect(errorsOf(report)).toEqual([]);
    expect(pcv007(report)).toEqual([]);
    expect(schemaFindings(report).sort()).toEqual([
      "apps/gadget.yaml:PCV001",
      "apps/widget.yaml:PCV001",
    ]);
    expect(code).toBe(1);
  });
});

describe("a review's CRD search (the base commit's files)", () => {
  it("says which file it stopped at past 1,000 YAML/JSON files", async () => {
    const paths = [
      ...Array.from({ length: 1_000 }, (_, i) => `many/${String(i).padStart(4, "0")}.yaml`),
      "zz/crd.yaml",
    ];
    const files = {
      where: "at the base commit",
      list: async () => paths,
      read: async (ps: readonly string[]) =>
        ps.map((path) => ({ path, text: path === "zz/crd.yaml" ? crd("Widget") : "a: 1\n" })),
    };
    expect(await repositoryCRDs(files)).toEqual({
      crds: [],
      cut: "the CRD search reads at most 1000 YAML/JSON files: zz/crd.yaml and those after it were not searched",
    });
    expect((await repositoryCRDs({ ...files, list: async () => paths.slice(1) })).cut).toBe(
      undefined,
    );
  });
});

// A file past the file size limit was read whole, whatever its size: a 300 MB JSON data file
// elsewhere in the tree took check to a 650 MB peak, and past ~512 MB the read failed.
describe("the CRD search and the file size limit", () => {
  const CONFIG = ".github/portcullis.yml";
  const padding = (bytes: number) => `# ${"x".repeat(bytes)}\n`;

  it("a file past limits.maxFileBytes that holds no CRD is passed over, unread as a whole", async () => {
    const dir = workspace({
      [CONFIG]: "limits: {maxFileBytes: 4096}\n",
      "apps/widget.yaml": custom("Widget"),
      "crds/widget.yaml": crd("Widget"),
      "data/big.json": `[${'"row",'.repeat(3000)}"end"]\n`,
    });
    const { code, report } = await checkIn(dir, "apps");
    expect(errorsOf(report)).toEqual([]);
    expect(schemaFindings(report)).toEqual(["apps/widget.yaml:PCV001"]);
    expect(code).toBe(1);
  });

  it("a file past limits.maxFileBytes that may hold a CRD costs the documents without a schema, naming it", async () => {
    const dir = workspace({
      [CONFIG]: "limits: {maxFileBytes: 4096}\n",
      "apps/widget.yaml": custom("Widget"),
      "apps/deploy.yaml": DEPLOYMENT,
      "crds/widget.yaml": padding(5000) + crd("Widget"),
    });
    const { code, report } = await checkIn(dir, "apps");
    expect(code).toBe(2);
    expect(errorsOf(report)).toEqual([
      "apps/widget.yaml: schema validation could not run: crds/widget.yaml: a file larger than limits.maxFileBytes (4096 bytes): the CRDs in it cannot be searched",
    ]);
    expect(schemaFindings(report)).toEqual(["apps/deploy.yaml:PCV001"]);
  });
});
