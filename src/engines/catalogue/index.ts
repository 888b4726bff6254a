// The built-in catalogue (policies/, compiled into the bundle): config `rules` and `settings`.
import { messageOf } from "../../core/errors.js";
import { engineOf, NOTHING_LOADED, type EngineDescriptor } from "../engine.js";

export const catalogueEngine: EngineDescriptor = {
  id: "catalogue",
  config: ["rules", "settings"],
  reads: () => [],
  load: async (ctx) => {
    // Every catalogue rule switched off (a repository policy run alone, as with conftest): the
    // engine would only produce findings that are dropped, so it is not loaded at all.
    const rules = ctx.rules;
    if (rules && [...rules.keys()].every((id) => ctx.config.rules[id]?.enabled === false))
      return NOTHING_LOADED;
    try {
      const evaluator = ctx.catalogue();
      evaluator.setSettings(ctx.config.settings as Record<string, unknown>);
      return { ...NOTHING_LOADED, engines: [engineOf("catalogue", evaluator)] };
    } catch (err) {
      return {
        ...NOTHING_LOADED,
        problems: [
          { file: "", line: 1, message: `cannot load the policy bundle: ${messageOf(err)}` },
        ],
      };
    }
  },
};
