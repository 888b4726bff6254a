// A worker thread that evaluates the built-in catalogue (policy.wasm) for a large `check`, while
// the main thread reads, parses and reports the files (catalogue-workers.ts sends it the work).
import { parentPort, workerData } from "node:worker_threads";
import { messageOf } from "../../core/errors.js";
import { WasmPolicyEngine } from "../opa/wasm-policy-engine.js";
import type {
  CatalogueRequest,
  CatalogueResponse,
  CatalogueWorkerData,
} from "./catalogue-workers.js";

const { wasm, settings } = workerData as CatalogueWorkerData;
// A module that cannot be loaded throws here: the thread ends with an error event, which the
// main thread reports as the run's failure.
const engine = new WasmPolicyEngine(wasm);
engine.setSettings(settings);

parentPort!.on("message", (request: CatalogueRequest) => {
  let response: CatalogueResponse;
  try {
    response = { id: request.id, results: engine.evaluateJson(request.inputs) };
  } catch (err) {
    response = { id: request.id, error: messageOf(err) };
  }
  parentPort!.postMessage(response);
});
