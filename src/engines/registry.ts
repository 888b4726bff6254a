// The policy engines, in the order their results are reported. One line per engine.
import type { EngineDescriptor } from "./engine.js";
import { catalogueEngine } from "./catalogue/index.js";
import { conftestEngine } from "./conftest/index.js";
import { gatekeeperEngine } from "./gatekeeper/index.js";
import { kyvernoEngine } from "./kyverno/index.js";
import { schemaEngine } from "./schema/index.js";
import { vapEngine } from "./vap/index.js";

export const ENGINES: readonly EngineDescriptor[] = [
  catalogueEngine,
  conftestEngine,
  gatekeeperEngine,
  kyvernoEngine,
  schemaEngine,
  vapEngine,
];
