// Evaluates the compiled policy bundle (policy.wasm) with @open-policy-agent/opa-wasm, in batches.
import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";
import type { RawFinding } from "../../core/findings.js";
import { MAX_BATCH_BYTES, MAX_WASM_MEMORY_PAGES } from "../../core/limits.js";
import type { FixOperation, JsonPath } from "../../core/types.js";
import { SEVERITIES } from "../../core/types.js";
import type { PolicyEngine, PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import { missingBuiltins, WasmModule } from "./wasm-module.js";
import { messageOf } from "../../core/errors.js";

const BATCH_ENTRYPOINT = "portcullis/main/batch";

export interface WasmPolicyEngineOptions {
  readonly maxBatchBytes?: number;
  readonly maxMemoryPages?: number;
}

/** opa-wasm throws strings and plain objects as well as Errors: the one helper for them. */
export const describeThrown = messageOf;

export class WasmPolicyEngine implements PolicyEngine {
  private readonly module: WasmModule;
  private policy: LoadedPolicy;
  private data: Record<string, unknown> = { settings: {} };
  private readonly maxBatchBytes: number;

  constructor(wasm: Uint8Array | WebAssembly.Module, options: WasmPolicyEngineOptions = {}) {
    this.module = new WasmModule(wasm, options.maxMemoryPages ?? MAX_WASM_MEMORY_PAGES);
    this.maxBatchBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES;
    this.policy = this.module.instantiate(this.data);
    const missing = missingBuiltins(this.policy);
    if (missing.length > 0) {
      throw new Error(
        `policy bundle calls builtins the host does not provide: ${missing.join(", ")}`,
      );
    }
    if (!(BATCH_ENTRYPOINT in this.policy.entrypoints)) {
      throw new Error(`policy bundle has no "${BATCH_ENTRYPOINT}" entrypoint`);
    }
  }

  setSettings(settings: Record<string, unknown>): void {
    this.data = { settings };
    this.policy.setData(this.data);
  }

  evaluate(inputs: readonly PolicyInput[]): PolicyResult[] {
    return this.evaluateJson(inputs.map((input) => JSON.stringify(input)));
  }

  /** `evaluate` on inputs already in JSON (a worker thread gets them so: strings cost no clone). */
  evaluateJson(inputs: readonly string[]): PolicyResult[] {
    return evaluateInBatches(inputs, {
      maxBatchBytes: this.maxBatchBytes,
      serialize: (json) => json,
      run: (payload, count) =>
        parseBatchResult(this.policy.evaluate(payload, BATCH_ENTRYPOINT), count),
      reset: () => {
        this.policy = this.module.instantiate(this.data);
      },
      failed: (err) => `policy evaluation failed: ${describeThrown(err)}`,
    });
  }
}

export interface Batching<T> {
  readonly maxBatchBytes: number;
  /** One document's JSON: an element of the entrypoint's `documents` array. */
  readonly serialize: (item: T) => string;
  /** Evaluates `{"documents": [...]}` (UTF-8 JSON) and returns one result per document. */
  readonly run: (payload: ArrayBuffer, count: number) => PolicyResult[];
  /** Replaces the wasm instance after a throw (an aborted evaluation can leave it in any state). */
  readonly reset: () => void;
  readonly failed: (err: unknown) => string;
}

/**
 * Evaluates documents a batch (about `maxBatchBytes` of JSON) per wasm call. A batch that throws is
 * evaluated again one document at a time on a fresh instance, so only the document that breaks it
 * is lost (and reported).
 */
export function evaluateInBatches<T>(items: readonly T[], b: Batching<T>): PolicyResult[] {
  const results: PolicyResult[] = new Array(items.length);
  const evaluate = (batch: readonly { index: number; json: string }[]): void => {
    const payload = new TextEncoder().encode(
      `{"documents":[${batch.map((x) => x.json).join(",")}]}`,
    );
    let perDocument: PolicyResult[];
    try {
      perDocument = b.run(payload.buffer as ArrayBuffer, batch.length);
    } catch (err) {
      b.reset();
      if (batch.length > 1) {
        for (const item of batch) evaluate([item]);
        return;
      }
      results[batch[0]!.index] = { ok: false, error: b.failed(err) };
      return;
    }
    batch.forEach((item, i) => {
      results[item.index] = perDocument[i]!;
    });
  };
  let batch: { index: number; json: string }[] = [];
  let size = 0;
  items.forEach((item, index) => {
    const json = b.serialize(item);
    if (batch.length > 0 && size + json.length > b.maxBatchBytes) {
      evaluate(batch);
      batch = [];
      size = 0;
    }
    batch.push({ index, json });
    size += json.length;
  });
  if (batch.length > 0) evaluate(batch);
  return results;
}

/** Validates the entrypoint's result; anything unexpected is a policy error, never "no findings". */
export function parseBatchResult(output: unknown, expected: number): PolicyResult[] {
  const fail = (error: string): PolicyResult[] => new Array(expected).fill({ ok: false, error });
  if (!Array.isArray(output) || output.length !== 1) return fail("policy returned no result set");
  const result = (output[0] as { result?: unknown })?.result;
  if (!Array.isArray(result) || result.length !== expected) {
    return fail(
      `policy returned ${Array.isArray(result) ? result.length : typeof result} results for ${expected} documents`,
    );
  }
  return result.map((findings): PolicyResult => {
    if (!Array.isArray(findings))
      return { ok: false, error: "policy returned a non-list of findings" };
    const parsed: RawFinding[] = [];
    for (const f of findings) {
      const raw = toRawFinding(f);
      if (typeof raw === "string") return { ok: false, error: raw };
      parsed.push(raw);
    }
    return { ok: true, findings: parsed };
  });
}

function isPath(p: unknown): p is JsonPath {
  return (
    Array.isArray(p) &&
    p.every(
      (s) => typeof s === "string" || (typeof s === "number" && Number.isInteger(s) && s >= 0),
    )
  );
}

function toFix(fix: unknown): FixOperation | undefined | string {
  if (fix === undefined) return undefined;
  const f = fix as { op?: unknown; path?: unknown; value?: unknown };
  if (!f || typeof f !== "object" || !isPath(f.path)) return "fix without a valid path";
  if (f.op === "remove") return { op: "remove", path: f.path };
  // The literals, not the strings read from the result: one copy for every finding that holds one.
  if (f.op === "set") return { op: "set", path: f.path, value: f.value };
  if (f.op === "append") return { op: "append", path: f.path, value: f.value };
  return `fix with unknown op ${JSON.stringify(f.op)}`;
}

function toRawFinding(f: unknown): RawFinding | string {
  if (!f || typeof f !== "object") return "policy returned a finding that is not an object";
  const o = f as Record<string, unknown>;
  if (typeof o.rule !== "string" || typeof o.msg !== "string")
    return "policy returned a finding without rule or msg";
  const path = o.path ?? [];
  if (!isPath(path)) return `rule ${o.rule} returned an invalid path ${JSON.stringify(o.path)}`;
  if (o.severity !== undefined && !(SEVERITIES as readonly unknown[]).includes(o.severity)) {
    return `rule ${o.rule} returned an unknown severity ${JSON.stringify(o.severity)}`;
  }
  const fix = toFix(o.fix);
  if (typeof fix === "string") return `rule ${o.rule} returned a ${fix}`;
  const scalarLine =
    typeof o.scalarLine === "number" && Number.isInteger(o.scalarLine) ? o.scalarLine : undefined;
  return {
    rule: o.rule,
    msg: o.msg,
    path,
    severity: SEVERITIES.find((s) => s === o.severity),
    fix,
    scalarLine,
  };
}
