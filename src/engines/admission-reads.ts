// The reads the admission engines (Gatekeeper, Kyverno, ValidatingAdmissionPolicy) share in one
// run: the admission folders' files and the head's inventory are read and parsed once, whichever
// engines ask, and never kept past the run (loadEngines makes them afresh for each context, so a
// review's base policies and head inventory are never mixed with another review's or another side's).
import { readDirectorySources } from "../adapters/fs/directory-source.js";
import { isDataFile, isYamlOrJson } from "../core/file-role.js";
import type { PolicySource } from "../ports/policy-compiler.js";
import type { EngineContext, Inventory } from "./engine.js";
import { under } from "./repository-files.js";

export interface AdmissionReads {
  /** `policies.admission`'s YAML/JSON files where `files` reads them (the base, in a review). */
  configured(): Promise<{
    readonly files: readonly string[];
    readonly sources: readonly PolicySource[];
  }>;
  /** The objects outside `policies.admission` as the change leaves them (the head, in a review). */
  inventory(): Promise<Inventory>;
  /** `check --admission DIR...`: every YAML/JSON file of the folders, relative to the root. */
  commandLine(): readonly PolicySource[];
}

/** What a run's caller gives; loadEngines adds the shared reads. */
export type EngineRunContext = Omit<EngineContext, "admission">;

/** `ctx` with its admission reads, and its base Namespaces, memoised for this run only. */
export function withSharedReads(ctx: EngineRunContext): EngineContext {
  const dirs = ctx.config.policies.gatekeeper;
  const configured = once(async () => {
    const files = (await ctx.files.list(dirs)).filter(isDataFile);
    return { files, sources: files.length > 0 ? await ctx.files.read(files) : [] };
  });
  const inventory = once(() => ctx.inventory((p) => dirs.some((d) => under(d)(p))));
  const commandLine = once(() => {
    const { root, admission } = ctx.commandLine!;
    return (
      readDirectorySources(admission, root, { include: ["**"], exclude: [] })
        // A file the walk refused is an error of gatekeeper's load (directory.ts), not read here.
        .files.filter((f) => isYamlOrJson(f.path) && !f.refused)
        .map((f) => ({ path: f.path, text: Buffer.from(f.content).toString("utf8") }))
    );
  });
  return {
    ...ctx,
    previousNamespaces: once(ctx.previousNamespaces),
    admission: { configured, inventory, commandLine },
  };
}

/** `make`'s result, made on the first call (a rejection is kept too: every caller sees it). */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
