// The builtins the host answers for a policy compiled to wasm: the SDK's (yaml, regex.split), a
// Go-exact sprintf, and those OPA's wasm runtime lacks (src/engines/opa/builtins/). Which builtin
// is native, host, refused or unsupported is recorded in tools/wasm-builtins.json; the policy
// compiler's capabilities are built from that file, and docs/builtins.md is generated from it.
import { DATA_BUILTINS } from "./builtins/data.js";
import { MISC_BUILTINS } from "./builtins/misc.js";
import { PATCH_BUILTINS } from "./builtins/patch.js";
import { TEXT_BUILTINS } from "./builtins/text.js";
import { TIME_BUILTINS } from "./builtins/time.js";
import { goSprintf } from "./go-sprintf.js";
import { SDK_BUILTINS } from "./opa-sdk.js";
import { toJson, type RegoValue } from "./rego-value.js";

export interface HostBuiltin {
  readonly fn: (...args: RegoValue[]) => RegoValue | undefined;
  /** Numbers as written (RegoNumber): sprintf prints `1.0` as Go prints a float64. */
  readonly numberText?: boolean;
}

/** The SDK's own implementations (JSON in and out: sets reach them as arrays, as they always did). */
function sdkBuiltins(): Record<string, HostBuiltin> {
  return Object.fromEntries(
    Object.entries(SDK_BUILTINS).map(([name, fn]) => [
      name,
      { fn: (...args: RegoValue[]) => fn(...args.map(toJson)) as RegoValue | undefined },
    ]),
  );
}

const plain = (table: Record<string, HostBuiltin["fn"]>): Record<string, HostBuiltin> =>
  Object.fromEntries(Object.entries(table).map(([name, fn]) => [name, { fn }]));

/** Host implementations, keyed by Rego builtin name. */
export const HOST_BUILTINS: Readonly<Record<string, HostBuiltin>> = {
  ...sdkBuiltins(),
  ...plain(TEXT_BUILTINS),
  ...plain(DATA_BUILTINS),
  // Numbers print as written (1.0 stays 1.0), as Go's json.Number does.
  "json.marshal_with_options": {
    numberText: true,
    fn: DATA_BUILTINS["json.marshal_with_options"]!,
  },
  ...plain(TIME_BUILTINS),
  ...plain(MISC_BUILTINS),
  ...plain(PATCH_BUILTINS),
  sprintf: {
    numberText: true,
    fn: (format, args) => {
      if (typeof format !== "string") throw new Error("operand 1 must be string");
      if (!Array.isArray(args)) throw new Error("operand 2 must be array");
      return goSprintf(format, args as RegoValue[]);
    },
  },
};
