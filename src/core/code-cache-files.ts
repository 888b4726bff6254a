// Where the compiled form of a wasm module's bytes may be cached: the policy bundle's loader
// (src/adapters/fs/policy-bundle.ts) says it for the built catalogue, the engine that compiles the
// module reads it (src/engines/opa/wasm-code-cache.ts). Keyed by the bytes object itself.
const files = new WeakMap<Uint8Array, string>();

/** Says where the compiled form of these bytes may be cached; returns the same bytes. */
export function withCodeCache(wasm: Uint8Array, file: string): Uint8Array {
  files.set(wasm, file);
  return wasm;
}

/** The cache file said for these bytes, if any. */
export function codeCacheFile(wasm: Uint8Array): string | undefined {
  return files.get(wasm);
}
