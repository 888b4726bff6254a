// Golden runs of Rego expressions: each expression evaluated by the pinned `opa eval` (the Go
// implementation) and by Portcullis's wasm path (the module `opa build -t wasm` makes, with the
// host's builtins), values and errors side by side.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";
import { buildWasm } from "../../src/engines/opa/opa-build.js";
import { WasmModule } from "../../src/engines/opa/wasm-module.js";
import { onBuiltinError } from "../../src/engines/opa/wasm-runtime.js";

/** What one side says of an expression: its value, or undefined with the builtin's error. */
export interface Outcome {
  readonly value?: unknown;
  readonly error?: string;
}

function module(expressions: readonly string[]): string {
  return ["package golden", "", ...expressions.map((e, i) => `c${i} := ${e}`), ""].join("\n");
}

/** `opa eval` of every expression: values in one run, then each undefined one with its error. */
export function opaOutcomes(expressions: readonly string[], input: unknown, v0 = false): Outcome[] {
  const dir = mkdtempSync(join(tmpdir(), "golden-"));
  writeFileSync(join(dir, "golden.rego"), module(expressions));
  writeFileSync(join(dir, "input.json"), JSON.stringify(input));
  const opa = findOpa();
  const evaluate = (query: string, strict: boolean) => {
    const args = [
      "eval",
      "-f",
      "json",
      "-d",
      join(dir, "golden.rego"),
      "-i",
      join(dir, "input.json"),
    ];
    if (strict) args.push("--strict-builtin-errors");
    if (v0) args.push("--v0-compatible");
    const r = spawnSync(opa, [...args, query], { encoding: "utf8" });
    return JSON.parse(r.stdout) as {
      result?: { expressions: { value: unknown }[] }[];
      errors?: { message: string }[];
    };
  };
  const whole = evaluate("data.golden", false);
  if (!whole.result) throw new Error(`opa eval failed: ${JSON.stringify(whole.errors)}`);
  const all = whole.result[0]!.expressions[0]!.value as Record<string, unknown>;
  return expressions.map((_, i) => {
    if (`c${i}` in all) return { value: all[`c${i}`] };
    const strict = evaluate(`data.golden.c${i}`, true);
    return { error: strict.errors?.[0]?.message ?? "undefined without an error" };
  });
}

/** The same expressions compiled to wasm and run with the host's builtins. */
export async function wasmOutcomes(
  expressions: readonly string[],
  input: unknown,
  v0 = false,
): Promise<Outcome[]> {
  const entrypoints = expressions.map((_, i) => `golden/c${i}`);
  const wasm = await buildWasm(
    { sources: [{ path: "golden.rego", text: module(expressions) }], entrypoints, v0 },
    { opa: findOpa(), capabilities: join(packageRoot(), "dist", "policies", "capabilities.json") },
  );
  const policy = new WasmModule(wasm).instantiate({});
  return entrypoints.map((entrypoint) => {
    let error: string | undefined;
    onBuiltinError((name, message) => {
      error ??= `${name}: ${message}`;
    });
    try {
      const result = policy.evaluate(input, entrypoint) as { result: unknown }[];
      if (result.length > 0) return { value: result[0]!.result };
      return { error: error ?? "undefined without an error" };
    } finally {
      onBuiltinError(undefined);
    }
  });
}

/** The pinned opa's version, for the test's name. */
export function opaVersion(): string {
  return (
    /Version: (\S+)/.exec(execFileSync(findOpa(), ["version"], { encoding: "utf8" }))?.[1] ?? "?"
  );
}
