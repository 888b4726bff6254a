// Schema validation (PCV001-PCV007): whether the API server would accept each object, with
// Kubernetes' own validators in tools/kube-schema, for the Kubernetes version of the
// configuration (`kubernetesVersion`, `check --kubernetes-version`), the bundled Flux CD and
// Argo CD CRDs and the repository's CRDs; and the same object defined twice (PCV005).
import { messageOf } from "../../core/errors.js";
import { isKubernetesObject, type RawFinding } from "../../core/findings.js";
import type { PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import {
  NOTHING_LOADED,
  type AppliedObject,
  type Engine,
  type EngineContext,
  type EngineDescriptor,
} from "../engine.js";
import {
  explainUnusable,
  fewManifestFiles,
  isCRD,
  NOT_VALIDATED,
  repositoryCRDs,
  unusableCRDs,
  withSearchGaps,
  workingTreeCRDs,
  type CrdSearch,
} from "./crds.js";
import { DuplicateObjects } from "./duplicates.js";
import { AHEAD_MAX_FILES, AheadAnswers, contentKey } from "./ahead.js";
import { listItemValues } from "../../review/list-items.js";
import {
  CrdSet,
  kubeSchemaInfo,
  kubeSchemaPath,
  KubeSchemaSession,
  type SchemaAnswer,
  type SchemaFinding,
  type SchemaRequest,
} from "./kube-schema.js";

const ID = "schema";
export const SCHEMA_RULES = ["PCV001", "PCV002", "PCV003", "PCV004", "PCV005", "PCV006", "PCV007"];

/** A list is applied item by item (its items are evaluated on their own), never as an object. */
const validatableObject = (d: unknown): boolean =>
  isKubernetesObject(d) && !Array.isArray((d as Record<string, unknown>).items);
const validatable = (input: PolicyInput): boolean =>
  !input.file.partial && validatableObject(input.document);

const toRaw = (f: SchemaFinding): RawFinding => ({ rule: f.rule, msg: f.message, path: f.path });

class SchemaEngine implements Engine {
  readonly id = ID;
  #duplicates = new DuplicateObjects();
  #crds: Promise<{ set: CrdSet; search: CrdSearch }> | undefined;
  /** The CRDs the set was made of (crdErrors name them by their place in it). */
  #crdObjects: readonly unknown[] = [];
  readonly #session: KubeSchemaSession;
  private readonly validate: boolean;
  #objects: Promise<readonly unknown[]> | undefined;
  /** `check`: the checked files' objects, asked ahead (ahead.ts); settled once all are asked. */
  readonly #ahead = new AheadAnswers((docs, json, keys) => this.#validate(docs, json, keys));
  #asked: Promise<void> = Promise.resolve();
  #asksAhead = false;

  constructor(
    private readonly version: string,
    private readonly ctx: EngineContext,
    session?: KubeSchemaSession,
    asksAhead = false,
  ) {
    this.validate = session !== undefined;
    this.#session = session ?? new KubeSchemaSession("");
    if (!session) return;
    this.#session.warm();
    this.#asksAhead = asksAhead;
    if (!asksAhead) return;
    // Each file's objects, and their lists' items (as evaluate is given them), as they are read.
    const each = (objects: readonly unknown[]) =>
      this.#ahead.add(objects.flatMap((o) => [o, ...listItemValues(o)]).filter(validatableObject));
    const checked = ctx.commandLine?.checked;
    this.#objects = checked
      ? checked.inventory(each).then((i) => i.objects)
      : this.#checkedObjects().then((objects) => (each(objects), objects));
    this.#asked = this.#objects.then(
      () => this.#ahead.flush(),
      () => undefined,
    );
  }

  /** `check`'s objects of the checked files (the CRDs among them are the repository's too). */
  #checkedObjects(): Promise<readonly unknown[]> {
    this.#objects ??= this.ctx.inventory(() => false).then((i) => i.objects);
    return this.#objects;
  }

  /** Settled once every object of the checked files is asked ahead (at once when none is). */
  asked(): Promise<void> {
    return this.#asked;
  }

  /** `check` in a small working tree: answers asked ahead (the pipeline does not wait for them). */
  answersAhead(): boolean {
    return this.#asksAhead;
  }

  newPass(): void {
    this.#duplicates = new DuplicateObjects();
  }

  alsoApplied(objects: readonly AppliedObject[]): void {
    for (const o of objects) if (validatableObject(o.document)) this.#duplicates.applied(o);
  }

  async evaluate(inputs: readonly PolicyInput[]): Promise<PolicyResult[]> {
    const at = inputs.flatMap((input, i) => (validatable(input) ? [i] : []));
    const findings: RawFinding[][] = inputs.map(() => []);
    at.forEach((i) => {
      const dup = this.#duplicates.see(inputs[i]!);
      if (dup) findings[i]!.push(dup);
    });
    // A document the repository's CRDs could not be searched for (withSearchGaps): not validated.
    const failed = new Map<number, string>();
    if (this.validate && at.length > 0) {
      try {
        const answers = await this.#answers(at.map((i) => inputs[i]!.document));
        answers.forEach((a, k) => {
          const gap = a.find((f) => f.rule === NOT_VALIDATED);
          if (gap) failed.set(at[k]!, gap.message);
          else findings[at[k]!]!.push(...a.map(toRaw));
        });
      } catch (err) {
        for (const i of at) failed.set(i, messageOf(err));
      }
    }
    return findings.map((f, i) =>
      failed.has(i)
        ? { ok: false, error: `schema validation could not run: ${failed.get(i)!}` }
        : { ok: true, findings: f },
    );
  }

  /**
   * Each document's findings: those asked ahead, else asked now (an answer ahead that failed is
   * asked again: kube-schema may have stopped on another slice).
   */
  async #answers(documents: readonly unknown[]): Promise<SchemaFinding[][]> {
    await this.#asked;
    const ahead = documents.map((d) => this.#ahead.get(d));
    // Those not asked ahead are asked at once, not behind the answers awaited.
    const notAhead = documents.flatMap((_, i) => (ahead[i] ? [] : [i]));
    const now = notAhead.length > 0 ? this.#validate(notAhead.map((i) => documents[i])) : undefined;
    // With answers asked ahead, kube-schema may stop on another request than this one: those
    // asked now that fail are asked again with those ahead that did. Without, a failure is final.
    const asked = this.#asksAhead ? now?.catch(() => undefined) : now;
    asked?.catch(() => undefined); // awaited below, after the answers ahead
    const found = await Promise.all(ahead.map((a) => a?.catch(() => undefined)));
    (await asked)?.forEach((f, k) => (found[notAhead[k]!] = f));
    const missing = documents.flatMap((_, i) => (found[i] ? [] : [i]));
    if (missing.length > 0) {
      const again = await this.#validate(missing.map((i) => documents[i]));
      missing.forEach((i, k) => (found[i] = again[k]));
    }
    return found.map((f) => [...f!]);
  }

  /**
   * Each document's findings; the kinds without a schema are tried again with the repository's
   * CRDs, read only then: a check of built-in and bundled kinds never reads them (in a Flux
   * repository the working tree's CRDs are megabytes of YAML: seconds for a one-file check).
   */
  async #validate(
    documents: readonly unknown[],
    json?: readonly string[],
    keys?: readonly string[],
  ): Promise<SchemaFinding[][]> {
    const first = await this.#run(documents, { json, keys });
    const missing = first.flatMap((f, i) => (f.some((x) => x.rule === "PCV007") ? [i] : []));
    if (missing.length === 0) return first;
    // `check` takes the CRDs among the files it checks; a review those of the base commit.
    const { set: crds, search } = await this.#crdSet();
    const asked = missing.map((i) => documents[i]);
    const again: SchemaFinding[][] & { crdErrors?: SchemaAnswer["crdErrors"] } =
      crds.size === 0 ? missing.map((i) => first[i]!) : await this.#run(asked, { crds });
    const unusable = this.#unusable(crds, again.crdErrors);
    // Those still without a schema: a CRD of their kind that cannot be used is named, and what
    // the search left out is said (or they are not validated).
    missing.forEach(
      (i, k) => (first[i] = withSearchGaps(explainUnusable(asked[k], again[k]!, unusable), search)),
    );
    return first;
  }

  /** The repository's CRDs kube-schema cannot use, by the group and kind each defines. */
  #unusable(crds: CrdSet, errors?: SchemaAnswer["crdErrors"]): Map<string, string> {
    if (!errors?.length) return new Map();
    const keyOf = (c: unknown) => this.#ahead.crdJson(c)?.key ?? contentKey(JSON.stringify(c));
    return unusableCRDs(errors, crds.entries, this.#crdObjects, keyOf);
  }

  /** The repository's CRDs, collected once. */
  #crdSet(): Promise<{ set: CrdSet; search: CrdSearch }> {
    this.#crds ??= this.#repositoryCRDs().then((search) => {
      this.#crdObjects = search.crds;
      return { set: new CrdSet(search.crds, (d) => this.#ahead.crdJson(d)), search };
    });
    return this.#crds;
  }

  /** A review: the base commit's CRDs. `check`: the checked files' and the working tree's. */
  async #repositoryCRDs(): Promise<CrdSearch> {
    const cli = this.ctx.commandLine;
    if (!cli) return repositoryCRDs(this.ctx.files);
    const checked = (await this.#checkedObjects()).filter(isCRD);
    // The files of the inventory are not read again: their CRDs are among the checked.
    const { exclude, limits } = this.ctx.config;
    const tree = workingTreeCRDs(
      cli.root,
      cli.checked?.inInventory(),
      exclude,
      limits.maxFileBytes,
    );
    return { ...tree, crds: [...checked, ...tree.crds] };
  }

  /** Each document's findings, and the answer's crdErrors (as the results' property). */
  async #run(
    documents: readonly unknown[],
    how: Pick<SchemaRequest, "crds" | "json" | "keys"> = {},
  ): Promise<SchemaFinding[][] & { crdErrors?: SchemaAnswer["crdErrors"] }> {
    const answer = await this.#session.request({ ...how, version: this.version, documents });
    if (answer?.error) throw new Error(answer.error);
    if (!Array.isArray(answer?.results)) throw new Error("kube-schema printed no results");
    if (answer.results.length !== documents.length)
      throw new Error(
        `kube-schema answered ${answer.results.length} of ${documents.length} documents`,
      );
    const results = answer.results.map((r) => {
      if (r.error) throw new Error(r.error);
      return [...(r.findings ?? [])];
    });
    return Object.assign(results, { crdErrors: answer.crdErrors });
  }
}

async function load(ctx: EngineContext) {
  const enabled = (id: string) => ctx.config.rules[id]?.enabled !== false;
  if (!SCHEMA_RULES.some(enabled)) return NOTHING_LOADED;
  const validates = SCHEMA_RULES.filter((r) => r !== "PCV005").some(enabled);
  const env = ctx.commandLine?.env ?? process.env;
  const binary = validates ? kubeSchemaPath(env) : undefined;
  const notRun = (reason: string) => ({
    ...NOTHING_LOADED,
    engines: enabled("PCV005") ? [new SchemaEngine("", ctx)] : [],
    notEvaluated: [
      {
        file: ctx.configFile,
        reason: `schema validation (PCV001-PCV004, PCV006, PCV007) did not run: ${reason}`,
      },
    ],
  });
  if (!validates) return { ...NOTHING_LOADED, engines: [new SchemaEngine("", ctx)] };
  if (!binary)
    return notRun(
      env.PORTCULLIS_KUBE_SCHEMA === ""
        ? "switched off (PORTCULLIS_KUBE_SCHEMA is empty)"
        : "kube-schema is not installed (the container image carries it; in a checkout `npm run build:schema` builds it with Go; PORTCULLIS_KUBE_SCHEMA names one)",
    );
  const session = new KubeSchemaSession(binary);
  const cli = ctx.commandLine;
  // Ahead when the check reads at most AHEAD_MAX_FILES manifests: counted among its own files, not
  // by walking the working tree (which a one-file check in a repository paid on every run).
  const ahead =
    cli !== undefined &&
    (cli.checked
      ? cli.checked.manifestCount() <= AHEAD_MAX_FILES
      : fewManifestFiles(cli.root, AHEAD_MAX_FILES));
  // The checked files are read while kube-schema starts; their objects are asked once it answers.
  if (ahead) cli.checked?.inventory().catch(() => undefined);
  const info = await kubeSchemaInfo(binary, session);
  if (typeof info === "string") return notRun(info);
  const version = ctx.config.kubernetesVersion ?? info.versions[0]!;
  if (!info.versions.includes(version))
    return {
      ...NOTHING_LOADED,
      problems: [
        {
          file: ctx.configFile,
          line: 1,
          message: `kubernetesVersion ${version}: the schemas shipped are those of Kubernetes ${info.versions.join(", ")}`,
        },
      ],
    };
  session.crdRefs = info.crdRefs === true;
  const engine = new SchemaEngine(version, ctx, session, ahead);
  // The evaluation starts once every object is asked: kube-schema's work, the longer, starts first.
  await engine.asked();
  return { ...NOTHING_LOADED, engines: [engine] };
}

export const schemaEngine: EngineDescriptor = {
  id: ID,
  config: ["kubernetesVersion", "rules"],
  reads: () => [],
  load,
};
