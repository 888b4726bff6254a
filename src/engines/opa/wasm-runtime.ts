// Instantiates a policy module with the host's builtins, in place of the SDK's loader: arguments
// reach the host as Rego values (`opa_value_dump`, so a set stays a set) and results go back the
// same way (`opa_value_parse`). A builtin that fails makes its call undefined, as `opa eval` does
// without --strict-builtin-errors; the message is kept for whoever asks (the golden tests).
import type { LoadedPolicy as LoadedPolicyType } from "@open-policy-agent/opa-wasm";
import { Unsupported } from "./builtins/operands.js";
import { HOST_BUILTINS, type HostBuiltin } from "./host-builtins.js";
import { LoadedPolicy } from "./opa-sdk.js";
import { parseRegoValue, toRegoText, type RegoValue } from "./rego-value.js";
import { messageOf } from "../../core/errors.js";

interface Exports {
  readonly opa_value_dump: (addr: number) => number;
  readonly opa_value_parse: (addr: number, len: number) => number;
  readonly opa_json_dump: (addr: number) => number;
  readonly opa_malloc: (len: number) => number;
  readonly builtins: () => number;
  readonly opa_wasm_abi_minor_version: WebAssembly.Global;
}

/** Where a builtin's failures go (the call itself is undefined, as in OPA). */
export type BuiltinErrorSink = (builtin: string, message: string) => void;

let sink: BuiltinErrorSink | undefined;

/** Hears every builtin failure in this thread until called again (undefined: stop). */
export function onBuiltinError(listener: BuiltinErrorSink | undefined): void {
  sink = listener;
}

// One of each for every call: a builtin's arguments and result cross here (sprintf per finding).
const DECODER = new TextDecoder();
const ENCODER = new TextEncoder();

function readText(memory: WebAssembly.Memory, addr: number): string {
  const bytes = new Uint8Array(memory.buffer);
  const end = bytes.indexOf(0, addr);
  return DECODER.decode(bytes.subarray(addr, end < 0 ? bytes.length : end));
}

/** A fresh instance of `module` in `memory`, its builtin calls answered by HOST_BUILTINS. */
export function instantiatePolicy(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): LoadedPolicyType {
  const loaded: { exports?: Exports; names: Record<number, string> } = { names: {} };
  const call = (id: number, args: number[]): number => {
    const x = loaded.exports!;
    const name = loaded.names[id] ?? `#${id}`;
    const builtin: HostBuiltin | undefined = HOST_BUILTINS[name];
    // Never an undefined result for a builtin we lack: the engine refuses such modules up front.
    if (!builtin) throw new Error(`not implemented: built-in function ${name}`);
    let result: RegoValue | undefined;
    try {
      const values = args.map((a) =>
        parseRegoValue(readText(memory, x.opa_value_dump(a)), { numberText: builtin.numberText }),
      );
      result = builtin.fn(...values);
    } catch (err) {
      if (err instanceof Unsupported) throw err;
      sink?.(name, messageOf(err));
      return 0;
    }
    if (result === undefined) return 0;
    const text = ENCODER.encode(toRegoText(result));
    const addr = x.opa_malloc(text.length);
    new Uint8Array(memory.buffer).set(text, addr);
    const parsed = x.opa_value_parse(addr, text.length);
    if (parsed === 0) throw new Error(`${name}: the policy could not read the builtin's result`);
    return parsed;
  };
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      opa_abort: (addr: number) => {
        throw new Error(readText(memory, addr));
      },
      // print() output is dropped, as Gatekeeper and conftest drop it unless asked.
      opa_println: () => undefined,
      opa_builtin0: (id: number) => call(id, []),
      opa_builtin1: (id: number, _ctx: number, a: number) => call(id, [a]),
      opa_builtin2: (id: number, _ctx: number, a: number, b: number) => call(id, [a, b]),
      opa_builtin3: (id: number, _ctx: number, a: number, b: number, c: number) =>
        call(id, [a, b, c]),
      opa_builtin4: (id: number, _ctx: number, a: number, b: number, c: number, d: number) =>
        call(id, [a, b, c, d]),
    },
  });
  const exports = instance.exports as unknown as Exports;
  loaded.exports = exports;
  const table = JSON.parse(readText(memory, exports.opa_json_dump(exports.builtins()))) as Record<
    string,
    number
  >;
  loaded.names = Object.fromEntries(Object.entries(table).map(([n, id]) => [id, n]));
  const minor = exports.opa_wasm_abi_minor_version.value as number;
  return new LoadedPolicy(instance, memory, minor);
}

/** The builtins a module imports from the host (its `builtins()` table). */
export function importedBuiltins(policy: LoadedPolicyType): string[] {
  const x = (policy.wasmInstance as WebAssembly.Instance).exports as unknown as Exports;
  return Object.keys(JSON.parse(readText(policy.mem, x.opa_json_dump(x.builtins()))) as object);
}
