// The built-in catalogue's policy module compiled once, by the build, and read back on every run
// (docs/decisions.md, "Start-up of a one-file check"): Node 20 has no API to cache compiled wasm
// across processes, but V8's own serializer of compiled modules (%SerializeWasmModule and
// %DeserializeWasmModule, its runtime functions behind --allow-natives-syntax) reads a module
// back in ~1 ms where compiling it costs ~80 M instructions on every start.
//
// V8 checks what it can (its version, the CPU features the code uses, the V8 flags it was made
// under) and refuses a module otherwise; it does not check the machine code itself, nor that the
// code belongs to these wire bytes. So a cache is used only when its header names this Node, V8,
// platform and architecture, it holds these very wire bytes (a byte-for-byte copy, cheaper to
// compare than to hash), and the code's SHA-256 is the one recorded: anything else (missing,
// truncated, corrupt, stale, another Node) compiles the module as before.
import { createHash } from "node:crypto";
import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInThisContext } from "node:vm";
import { codeCacheFile } from "../../core/code-cache-files.js";
import { withoutLauncherFlags } from "../launcher-flags.js";

const MAGIC = "portcullis wasm code cache 2\n";
/** The magic and the header (the versions, two numbers, a hash) fit in this many bytes. */
const HEAD_MAX_BYTES = 4096;

/**
 * The V8 flags a cache is written and read under (V8 reads it back only under the same flags
 * set away from their defaults), each with its default: the runtime functions, and every
 * function compiled by TurboFan up front (V8 11 serializes TurboFan code only). `--no-liftoff`
 * also turns dynamic tiering off, which is set back too: a flag left away from its default
 * would make V8 refuse the bundle's code cache when the CLI records it.
 */
const CACHE_FLAGS: readonly (readonly [string, string])[] = [
  ["--allow-natives-syntax", "--no-allow-natives-syntax"],
  ["--no-liftoff", "--liftoff"],
  ["--no-wasm-lazy-compilation", "--wasm-lazy-compilation"],
  ["--no-wasm-dynamic-tiering", "--wasm-dynamic-tiering"],
];
/** Node started with one of these set (its command line or NODE_OPTIONS): no cache is read. */
const OWN_FLAGS = /natives-syntax|liftoff|wasm-lazy|wasm-dynamic-tiering|wasm-tier/;

interface Header {
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  /** The length of the module's wire bytes (which follow the header), and V8's code's SHA-256. */
  readonly wasm: number;
  readonly code: string;
}

/** The module of bytes that have a cache file (the built catalogue's), once compiled or read. */
const compiled = new WeakMap<Uint8Array, WebAssembly.Module>();

/**
 * The module of these bytes: from its code cache when there is a valid one, otherwise compiled.
 * Bytes with a cache are compiled once per process (the module is immutable; each use makes its
 * own instance).
 */
export function compileWasm(wasm: Uint8Array): WebAssembly.Module {
  const file = codeCacheFile(wasm);
  if (file === undefined) return new WebAssembly.Module(new Uint8Array(wasm));
  let module = cachedModule(wasm);
  if (!module) {
    module = new WebAssembly.Module(new Uint8Array(wasm));
    compiled.set(wasm, module);
  }
  return module;
}

/**
 * The module of these bytes if this process has it or its code cache is valid, else undefined:
 * the catalogue's worker threads get it compiled instead of compiling it each.
 */
export function cachedModule(wasm: Uint8Array): WebAssembly.Module | undefined {
  const file = codeCacheFile(wasm);
  if (file === undefined) return undefined;
  let module = compiled.get(wasm);
  if (!module) {
    module = readCodeCache(wasm, file);
    if (module) compiled.set(wasm, module);
  }
  return module;
}

/**
 * Compiles the module with TurboFan and writes V8's code for it to `file` (by the build, in a
 * Node process started without V8 flags). V8 aborts the process when it cannot serialize.
 */
export function writeCodeCache(wasm: Uint8Array, file: string): void {
  const code = withCacheFlags(() => {
    const module = new WebAssembly.Module(new Uint8Array(wasm));
    return (runInThisContext("(function (m) { return %SerializeWasmModule(m); })") as Natives)(
      module,
    );
  });
  if (Object.prototype.toString.call(code) !== "[object ArrayBuffer]")
    throw new Error("V8 did not serialize the module");
  const bytes = new Uint8Array(code as ArrayBuffer);
  const header: Header = {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    wasm: wasm.length,
    code: sha256(bytes),
  };
  const tmp = `${file}.${process.pid}.tmp`;
  const head = Buffer.from(MAGIC + JSON.stringify(header) + "\n");
  writeFileSync(tmp, Buffer.concat([head, wasm, bytes]));
  renameSync(tmp, file);
  if (readCodeCache(wasm, file) === undefined) {
    rmSync(file, { force: true });
    throw new Error("V8 does not read back the module it serialized");
  }
}

type Natives = (...args: unknown[]) => unknown;

/** The module from a valid cache file, or undefined (then the caller compiles it). */
function readCodeCache(wasm: Uint8Array, file: string): WebAssembly.Module | undefined {
  // V8 would refuse the cache under such a flag, and setting the cache's flags back to their
  // defaults afterwards would undo the user's.
  if (OWN_FLAGS.test(`${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`))
    return undefined;
  const parts = readParts(file, wasm.length);
  if (!parts || !valid(parts, wasm)) return undefined;
  const module = withCacheFlags(() =>
    (runInThisContext("(function (c, w) { return %DeserializeWasmModule(c, w); })") as Natives)(
      parts.code.buffer,
      parts.wire,
    ),
  );
  // The runtime function runs in the main context (a test's sandbox has other constructors).
  return Object.prototype.toString.call(module) === "[object WebAssembly.Module]"
    ? (module as WebAssembly.Module)
    : undefined;
}

/** A cache file's parts: the header's text, the module's wire bytes and V8's code. */
interface Parts {
  readonly header: string;
  readonly wire: Buffer;
  /** In an ArrayBuffer of its own, which V8 reads the code from (no copy of its MB). */
  readonly code: Uint8Array;
}

/** The cache file in its parts, if it has them for a module of this length. */
function readParts(file: string, wasmLength: number): Parts | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, HEAD_MAX_BYTES));
    if (!readAt(fd, head, 0)) return undefined;
    const end = head.indexOf(10, MAGIC.length);
    const codeAt = end + 1 + wasmLength;
    if (end < 0 || codeAt >= size) return undefined;
    const wire = Buffer.allocUnsafeSlow(wasmLength);
    const code = new Uint8Array(size - codeAt);
    if (!readAt(fd, wire, end + 1) || !readAt(fd, code, codeAt)) return undefined;
    return { header: head.toString("latin1", 0, end), wire, code };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Fills `into` from the file at `position`; false when the file ends first. */
function readAt(fd: number, into: Uint8Array, position: number): boolean {
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) return false;
    done += n;
  }
  return true;
}

/** Whether the header matches this process and module, and the code is the one recorded. */
function valid(parts: Parts, wasm: Uint8Array): boolean {
  if (!parts.header.startsWith(MAGIC)) return false;
  let header: Partial<Header>;
  try {
    header = JSON.parse(parts.header.slice(MAGIC.length)) as Partial<Header>;
  } catch {
    return false;
  }
  return (
    header.node === process.version &&
    header.v8 === process.versions.v8 &&
    header.platform === process.platform &&
    header.arch === process.arch &&
    header.wasm === wasm.length &&
    parts.code.length > 0 &&
    Buffer.from(wasm.buffer, wasm.byteOffset, wasm.length).equals(parts.wire) &&
    header.code === sha256(parts.code)
  );
}

/**
 * Runs `f` with exactly the cache's V8 flags away from their defaults (the launcher's own are
 * set back afterwards). V8's flags are the process's: another thread compiling wasm meanwhile
 * would compile it with TurboFan, which changes its speed, not its result.
 */
function withCacheFlags<T>(f: () => T): T {
  return withoutLauncherFlags(() => {
    for (const [set] of CACHE_FLAGS) setFlagsFromString(set);
    try {
      return f();
    } finally {
      for (const [, unset] of CACHE_FLAGS) setFlagsFromString(unset);
    }
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
