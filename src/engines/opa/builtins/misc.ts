// Builtins over addresses, identifiers, tokens and types the wasm runtime lacks, after OPA's
// topdown/{cidr,uuid,tokens,casts}.go.
import {
  constants,
  createHmac,
  createPublicKey,
  timingSafeEqual,
  verify as cryptoVerify,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { parseRegoValue, RegoNumber, RegoSet, type RegoValue } from "../rego-value.js";
import { str, typeError, Unsupported } from "./operands.js";

type Fn = (...args: RegoValue[]) => RegoValue | undefined;

/** netip.ParseAddr's IPv4: four decimal octets, no leading zeros. */
function ipv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets = parts.map((p) => (/^(0|[1-9]\d{0,2})$/.test(p) ? Number(p) : 256));
  return octets.every((o) => o < 256) ? octets : undefined;
}

/** netip.ParseAddr's IPv6 (with an embedded IPv4 tail), as 8 groups; zones refused. */
function ipv6(text: string): number[] | undefined {
  if (text.includes("%")) return undefined;
  let tail: number[] = [];
  let body = text;
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = ipv4(v4[1]!);
    if (!o) return undefined;
    tail = [(o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!];
    // "::1.2.3.4" keeps its "::"; "a:b:...:1.2.3.4" drops the colon before the address.
    body = text.slice(0, v4.index + 1).endsWith("::")
      ? text.slice(0, v4.index + 1)
      : text.slice(0, v4.index);
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const [head, rest] = [groups(halves[0]!), halves.length === 2 ? groups(halves[1]!) : []];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const fill = new Array(8 - given).fill(0);
  return [
    ...head.map((g) => parseInt(g, 16)),
    ...fill,
    ...rest.map((g) => parseInt(g, 16)),
    ...tail,
  ];
}

/** net.ParseCIDR: the address and prefix length, or undefined when Go refuses it. */
function parseCidr(text: string): { v4?: number[]; v6?: number[]; bits: number } | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const [addr, mask] = [text.slice(0, slash), text.slice(slash + 1)];
  if (!/^\d+$/.test(mask) || mask.length > 8) return undefined;
  const bits = Number(mask);
  const v4 = ipv4(addr);
  if (v4) return bits <= 32 ? { v4, bits } : undefined;
  const v6 = ipv6(addr);
  return v6 && bits <= 128 ? { v6, bits } : undefined;
}

/** net.cidr_expand for IPv4: every address of the network, as Go prints them. */
function cidrExpand(v: RegoValue): RegoValue {
  const text = str(v!, 1);
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`invalid CIDR address: ${text}`);
  if (!cidr.v4) throw new Unsupported("net.cidr_expand of an IPv6 network is not supported");
  const base = cidr.v4.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - cidr.bits);
  if (size > 65536)
    throw new Unsupported(`net.cidr_expand of ${text} would list ${size} addresses`);
  const start = Math.floor(base / size) * size;
  const out: string[] = [];
  for (let a = start; a < start + size; a++)
    out.push([24, 16, 8, 0].map((s) => Math.floor(a / 2 ** s) % 256).join("."));
  return new RegoSet(out);
}

interface Net {
  readonly width: 32 | 128;
  readonly first: bigint;
  readonly last: bigint;
}

const toBig = (groups: number[], bitsEach: number) =>
  groups.reduce((a, g) => (a << BigInt(bitsEach)) | BigInt(g), 0n);

/** An address as Go compares it; an IPv4 address inside IPv6 (::ffff:a.b.c.d) is not supported. */
function address(text: string): { width: 32 | 128; value: bigint } | undefined {
  const v4 = ipv4(text);
  if (v4) return { width: 32, value: toBig(v4, 8) };
  const v6 = ipv6(text);
  if (!v6) return undefined;
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff)
    throw new Unsupported(`the IPv4-mapped address ${text} is not supported`);
  return { width: 128, value: toBig(v6, 16) };
}

function network(text: string): Net | undefined {
  const slash = text.indexOf("/");
  if (slash < 0 || !parseCidr(text)) return undefined;
  const a = address(text.slice(0, slash))!;
  const host = BigInt(a.width - Number(text.slice(slash + 1)));
  const first = (a.value >> host) << host;
  return { width: a.width, first, last: first | ((1n << host) - 1n) };
}

/** net.cidr_contains as OPA has it: an address or a whole network inside the first network. */
function cidrContains(a: string, b: string): boolean {
  const outer = network(a);
  if (!outer) throw new Error(`invalid CIDR address: ${a}`);
  const inside = (width: number, v: bigint) =>
    width === outer.width && v >= outer.first && v <= outer.last;
  const ip = address(b);
  if (ip) return inside(ip.width, ip.value);
  const inner = network(b);
  if (!inner) throw new Error(`not a valid textual representation of an IP address or CIDR: ${b}`);
  return inside(inner.width, inner.first) && inside(inner.width, inner.last);
}

/** The (cidr, key) pairs of one operand of net.cidr_contains_matches. */
function cidrEntries(operand: number, v: RegoValue): [string, RegoValue][] {
  const cidrOf = (x: RegoValue): string => {
    const c = typeof x === "string" ? x : Array.isArray(x) && x.length > 0 ? x[0] : undefined;
    if (c === undefined)
      throw new Error(`operand ${operand}: element must be string or non-empty array`);
    return str(c as RegoValue, 1);
  };
  if (typeof v === "string") return [[v, v]];
  if (Array.isArray(v)) return (v as RegoValue[]).map((x, i) => [cidrOf(x), i]);
  if (v instanceof RegoSet) return v.items.map((x) => [cidrOf(x), x]);
  if (v && typeof v === "object" && !(v instanceof RegoNumber))
    return Object.entries(v as Record<string, RegoValue>).map(([k, x]) => [cidrOf(x), k]);
  return [];
}

function cidrContainsMatches(a: RegoValue, b: RegoValue): RegoSet {
  const found: RegoValue[] = [];
  for (const [c1, k1] of cidrEntries(1, a!))
    for (const [c2, k2] of cidrEntries(2, b!)) if (cidrContains(c1, c2)) found.push([k1, k2]);
  return new RegoSet(found);
}

const VARIANTS = (b: number) =>
  (b & 0xc0) === 0x80
    ? "RFC4122"
    : (b & 0xe0) === 0xc0
      ? "Microsoft"
      : (b & 0xe0) === 0xe0
        ? "Future"
        : "Reserved";

/** google/uuid's Parse (plain, braced, urn: and 32-hex forms) and OPA's description of it. */
function uuidParse(v: RegoValue): RegoValue | undefined {
  let s = str(v!, 1);
  if (s.length === 32) {
    if (!/^[0-9a-fA-F]{32}$/.test(s)) return undefined;
    s = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  } else if (s.length === 45) {
    if (s.slice(0, 9).toLowerCase() !== "urn:uuid:") return undefined;
    s = s.slice(9);
  } else if (s.length === 38) s = s.slice(1, 37);
  else if (s.length !== 36) return undefined;
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s))
    return undefined;
  const b = Buffer.from(s.replaceAll("-", ""), "hex");
  const version = b[6]! >> 4;
  const out: Record<string, RegoValue> = { version, variant: VARIANTS(b[8]!) };
  if (version === 1 || version === 2) {
    const t =
      BigInt(b.readUInt32BE(0)) |
      (BigInt(b.readUInt16BE(4)) << 32n) |
      (BigInt(b.readUInt16BE(6) & 0xfff) << 48n);
    const since = t - 122192928000000000n;
    out.time = Number((since / 10000000n) * 1000000000n + (since % 10000000n) * 100n);
    const node = [...b.subarray(10, 16)];
    out.nodeid = node.map((x) => x.toString(16).padStart(2, "0")).join("-");
    out.macvariables =
      (node[0]! & 3) === 3
        ? "local:multicast"
        : node[0]! & 1
          ? "global:multicast"
          : node[0]! & 2
            ? "local:unicast"
            : "global:unicast";
    out.clocksequence = b.readUInt16BE(8) & 0x3fff;
    if (version === 2) {
      out.id = b.readUInt32BE(0);
      out.domain = ["Person", "Group", "Org"][b[9]!] ?? `Domain${b[9]}`;
    }
  }
  return out;
}

/** OPA's base64url.decode: padding added when missing, then Go's strict URL decoding. */
function base64UrlBytes(text: string): Buffer {
  let s = text;
  if (!s.endsWith("=")) {
    if (s.length % 4 === 1) throw new Error(`illegal base64url string: ${s}`);
    s += "=".repeat((4 - (s.length % 4)) % 4);
  }
  const bad = /[^A-Za-z0-9_-]/.exec(s.replace(/={1,2}$/, ""));
  if (bad) throw new Error(`illegal base64 data at input byte ${bad.index}`);
  if (s.length % 4 !== 0)
    throw new Error(`illegal base64 data at input byte ${s.length - (s.length % 4)}`);
  return Buffer.from(s, "base64url");
}

function jsonObject(text: string): Record<string, RegoValue> {
  try {
    JSON.parse(text);
  } catch {
    throw new Unsupported("a JWT part that is not valid JSON is not supported");
  }
  const value = parseRegoValue(text);
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new Error("decoded JSON type was not an Object");
  return value as Record<string, RegoValue>;
}

function jwtParts(v: RegoValue): [string, string, string] {
  const text = str(v!, 1);
  if (!text.includes(".")) throw new Error("encoded JWT had no period separators");
  const parts = text.split(".");
  if (parts.length !== 3)
    throw new Error(`encoded JWT must have 3 sections, found ${parts.length}`);
  return parts as [string, string, string];
}

const utf8 = (b: Buffer) => new TextDecoder("utf-8", { fatal: true }).decode(b);

/** decodeHeader: the first part as a JSON object, never a JWE. */
function jwtHeader(h: string): Record<string, RegoValue> {
  let headerText: string;
  try {
    headerText = utf8(base64UrlBytes(h));
  } catch (err) {
    throw new Error(`JWT header had invalid encoding: ${(err as Error).message}`);
  }
  let header: Record<string, RegoValue>;
  try {
    header = jsonObject(headerText);
  } catch (err) {
    if (err instanceof Unsupported) throw err;
    throw new Error(`bad JWT header: ${(err as Error).message}`);
  }
  if ("enc" in header) throw new Error("JWT is a JWE object, which is not supported");
  return header;
}

function jwtDecode(v: RegoValue): RegoValue {
  const [h, p, s] = jwtParts(v);
  const header = jwtHeader(h);
  let payloadText: string;
  try {
    payloadText = utf8(base64UrlBytes(p));
  } catch (err) {
    throw new Error(`JWT payload had invalid encoding: ${(err as Error).message}`);
  }
  if (header.cty === "JWT") throw new Unsupported("nested JWTs (cty JWT) are not supported");
  const payload = jsonObject(payloadText);
  let signature: Buffer;
  try {
    signature = base64UrlBytes(s);
  } catch (err) {
    throw new Error(`JWT signature had invalid encoding: ${(err as Error).message}`);
  }
  return [header, payload, signature.toString("hex")];
}

function jwtVerifyHs(algorithm: string): Fn {
  return (token, secret) => {
    const jwt = str(token!, 1);
    const key = str(secret!, 2);
    const [h, p, s] = jwtParts(jwt);
    const mac = createHmac(algorithm, key).update(`${h}.${p}`).digest();
    let signature: Buffer;
    try {
      signature = base64UrlBytes(s);
    } catch (err) {
      throw new Error(`JWT signature had invalid encoding: ${(err as Error).message}`);
    }
    return signature.length === mac.length && timingSafeEqual(signature, mac);
  };
}

/** The public key of a PEM certificate or public key, as OPA reads them; JWKs are not supported. */
function verificationKey(text: string): KeyObject {
  const begin = text.indexOf("-----BEGIN ");
  if (begin < 0) throw new Unsupported("JWK keys for JWT verification are not supported");
  const type = /^-----BEGIN ([^-]+)-----/.exec(text.slice(begin))?.[1];
  const endMarker = `-----END ${type}-----`;
  const end = text.indexOf(endMarker, begin);
  if (!type || end < 0) throw new Unsupported("a PEM block Portcullis cannot read as Go does");
  const afterLine = text.slice(end + endMarker.length).replace(/^[^\n]*\n?/, "");
  if (afterLine.length > 0) throw new Error("extra data after a PEM certificate block");
  const block = text.slice(begin, end + endMarker.length);
  try {
    if (type === "CERTIFICATE") return new X509Certificate(block).publicKey;
    if (type === "PUBLIC KEY") return createPublicKey(block);
  } catch {
    throw new Unsupported(`a PEM ${type.toLowerCase()} that Node cannot read`);
  }
  throw new Error("failed to extract a Key from the PEM certificate");
}

type Check = (key: KeyObject, data: Buffer, signature: Buffer) => boolean;

function jwtVerify(check: Check): Fn {
  return (token, keyText) => {
    const [h, p, s] = jwtParts(token!);
    const key = verificationKey(str(keyText!, 2));
    let signature: Buffer;
    try {
      signature = base64UrlBytes(s);
    } catch (err) {
      throw new Error(`JWT signature had invalid encoding: ${(err as Error).message}`);
    }
    jwtHeader(h);
    try {
      return check(key, Buffer.from(`${h}.${p}`), signature);
    } catch {
      return false;
    }
  };
}

const rsa =
  (hash: string, pss: boolean): Check =>
  (key, data, sig) =>
    key.asymmetricKeyType === "rsa" &&
    cryptoVerify(
      hash,
      data,
      pss
        ? {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_AUTO,
          }
        : key,
      sig,
    );
const ecdsa =
  (hash: string): Check =>
  (key, data, sig) =>
    key.asymmetricKeyType === "ec" &&
    cryptoVerify(hash, data, { key, dsaEncoding: "ieee-p1363" }, sig);
const eddsa: Check = (key, data, sig) =>
  key.asymmetricKeyType === "ed25519" && cryptoVerify(null, data, key, sig);

function cast(
  expected: string,
  ok: (v: RegoValue) => boolean,
  to: (v: RegoValue) => RegoValue = (v) => v,
): Fn {
  return (v) => {
    if (!ok(v!)) throw typeError(1, v!, ...expected.split("|"));
    return to(v!);
  };
}

const isObject = (v: RegoValue) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RegoSet);

export const MISC_BUILTINS: Record<string, Fn> = {
  "net.cidr_is_valid": (v) => typeof v === "string" && parseCidr(v) !== undefined,
  "net.cidr_expand": cidrExpand,
  "net.cidr_contains_matches": cidrContainsMatches,
  "uuid.parse": uuidParse,
  "io.jwt.decode": jwtDecode,
  "io.jwt.verify_hs256": jwtVerifyHs("sha256"),
  "io.jwt.verify_hs384": jwtVerifyHs("sha384"),
  "io.jwt.verify_hs512": jwtVerifyHs("sha512"),
  "io.jwt.verify_rs256": jwtVerify(rsa("sha256", false)),
  "io.jwt.verify_rs384": jwtVerify(rsa("sha384", false)),
  "io.jwt.verify_rs512": jwtVerify(rsa("sha512", false)),
  "io.jwt.verify_ps256": jwtVerify(rsa("sha256", true)),
  "io.jwt.verify_ps384": jwtVerify(rsa("sha384", true)),
  "io.jwt.verify_ps512": jwtVerify(rsa("sha512", true)),
  "io.jwt.verify_es256": jwtVerify(ecdsa("sha256")),
  "io.jwt.verify_es384": jwtVerify(ecdsa("sha384")),
  "io.jwt.verify_es512": jwtVerify(ecdsa("sha512")),
  "io.jwt.verify_eddsa": jwtVerify(eddsa),
  cast_array: cast(
    "array|set",
    (v) => Array.isArray(v) || v instanceof RegoSet,
    (v) => (v instanceof RegoSet ? [...v.items] : v),
  ),
  cast_set: cast(
    "array|set",
    (v) => Array.isArray(v) || v instanceof RegoSet,
    (v) => (Array.isArray(v) ? new RegoSet(v) : v),
  ),
  cast_string: cast("string", (v) => typeof v === "string"),
  cast_boolean: cast("boolean", (v) => typeof v === "boolean"),
  cast_null: cast("null", (v) => v === null),
  cast_object: cast("object", isObject),
};
