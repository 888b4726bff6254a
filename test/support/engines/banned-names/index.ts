// A trivial engine, as a new engine would be written: one folder. It reads `banned-names/*.txt`
// of the repository (the base commit in a review, the working tree in check), one name a line,
// and reports every object whose metadata.name is one of them.
import { engineOf, NOTHING_LOADED, type EngineDescriptor } from "../../../../src/engines/engine.js";
import type { PolicyInput, PolicyResult } from "../../../../src/ports/policy-engine.js";

const FOLDER = "banned-names";

export const bannedNamesEngine: EngineDescriptor = {
  id: "banned-names",
  config: [],
  reads: () => [FOLDER],
  load: async (ctx) => {
    const files = (await ctx.files.list([FOLDER])).filter((p) => p.endsWith(".txt"));
    if (files.length === 0) return NOTHING_LOADED;
    const names = new Set(
      (await ctx.files.read(files)).flatMap((f) =>
        f.text
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    );
    const evaluate = (inputs: readonly PolicyInput[]): PolicyResult[] =>
      inputs.map((input) => {
        const name = (input.document as { metadata?: { name?: unknown } }).metadata?.name;
        return {
          ok: true,
          findings:
            typeof name === "string" && names.has(name)
              ? [
                  {
                    rule: "BANNED001",
                    msg: `the name ${name} is banned`,
                    path: ["metadata", "name"],
                    severity: "error",
                  },
                ]
              : [],
        };
      });
    return {
      ...NOTHING_LOADED,
      engines: [engineOf("banned-names", { setSettings: () => undefined, evaluate })],
      files,
    };
  },
};
