// Every builtin the host supplies to wasm policies, and sprintf over every value kind, against the
// pinned `opa eval`: the same expression must give the same value, or be undefined with the same
// error (`opa eval --strict-builtin-errors`). Each builtin the host lists has cases here.
import { constants, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";
import { buildWasm, PolicyCompileError } from "../../src/engines/opa/opa-build.js";
import { WasmModule } from "../../src/engines/opa/wasm-module.js";
import { buildPolicy } from "../../src/engines/opa/policy-runner.js";
import { opaOutcomes, opaVersion, wasmOutcomes } from "../support/opa-golden.js";

/** Tokens signed here with fresh keys: both evaluators verify the same bytes. */
function signedTokens(): Record<string, string> {
  const b64 = (x: string | Buffer) => Buffer.from(x).toString("base64url");
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ed = generateKeyPairSync("ed25519");
  const pem = (k: KeyObject) => k.export({ type: "spki", format: "pem" }).toString();
  const token = (alg: string, sign: (data: Buffer) => Buffer) => {
    const body = `${b64(JSON.stringify({ alg, typ: "JWT" }))}.${b64(JSON.stringify({ sub: "ci" }))}`;
    return `${body}.${b64(sign(Buffer.from(body)))}`;
  };
  return {
    rsaPem: pem(rsa.publicKey),
    otherPem: pem(other.publicKey),
    ecPem: pem(ec.publicKey),
    edPem: pem(ed.publicKey),
    extraPem: `${pem(rsa.publicKey)}\nmore`,
    rs256: token("RS256", (d) => sign("sha256", d, rsa.privateKey)),
    rs512: token("RS512", (d) => sign("sha512", d, rsa.privateKey)),
    ps384: token("PS384", (d) =>
      sign("sha384", d, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING }),
    ),
    es256: token("ES256", (d) =>
      sign("sha256", d, { key: ec.privateKey, dsaEncoding: "ieee-p1363" }),
    ),
    eddsa: token("EdDSA", (d) => sign(null, d, ed.privateKey)),
  };
}

/** Values a policy reads from its input: what the type checker cannot see, so runtime errors. */
const INPUT = {
  n: 1,
  one: 1.0,
  half: 2.5,
  big: 12345678901234567890,
  s: "text",
  obj: { b: [1, 2], a: { x: true } },
  list: ["b", "a"],
  q: { a: 1 },
  qa: { a: [1] },
  badop: [{ op: 1, path: "/b" }],
  nonobj: [1],
  badindent: { indent: 1 },
  badkey: { color: true },
  badpretty: { pretty: "yes" },
  jwt: signedTokens(),
};

export const CASES: Record<string, string[]> = {
  "strings.any_prefix_match": [
    'strings.any_prefix_match("docker.io/nginx", ["quay.io/", "docker.io/"])',
    'strings.any_prefix_match(["a/x", "b/y"], {"b/"})',
    'strings.any_prefix_match("abc", "abd")',
    'strings.any_prefix_match([], "a")',
    'strings.any_prefix_match(input.n, "a")',
    'strings.any_prefix_match("a", input.n)',
    'strings.any_prefix_match("a", [input.n])',
  ],
  "strings.any_suffix_match": [
    'strings.any_suffix_match("nginx:latest", {":latest", ":dev"})',
    'strings.any_suffix_match({"a.example", "b.test"}, [".example"])',
    'strings.any_suffix_match("x", [])',
    'strings.any_suffix_match(input.obj, "a")',
  ],
  "strings.count": [
    'strings.count("cheese", "e")',
    'strings.count("five", "")',
    'strings.count("ääää", "ää")',
    'strings.count(input.n, "a")',
  ],
  indexof_n: [
    'indexof_n("sad saddle", "sad")',
    'indexof_n("ääbä", "ä")',
    'indexof_n("x", "")',
    'indexof_n("aaa", "aa")',
  ],
  "glob.quote_meta": ['glob.quote_meta("*.github.com/{a,b}[x]?\\\\!-,")'],
  "crypto.md5": ['crypto.md5("portcullis")', 'crypto.md5("")'],
  "crypto.sha1": ['crypto.sha1("portcullis ✓")'],
  "crypto.sha256": ['crypto.sha256("portcullis")', "crypto.sha256(input.n)"],
  "crypto.hmac.md5": ['crypto.hmac.md5("message", "key")'],
  "crypto.hmac.sha1": ['crypto.hmac.sha1("message", "key")'],
  "crypto.hmac.sha256": ['crypto.hmac.sha256("message", "")'],
  "crypto.hmac.sha512": ['crypto.hmac.sha512("message ✓", "key")'],
  "crypto.hmac.equal": [
    'crypto.hmac.equal("abc", "abc")',
    'crypto.hmac.equal("abc", "abd")',
    'crypto.hmac.equal("abc", "ab")',
  ],
  "hex.encode": ['hex.encode("hi ✓")'],
  "hex.decode": ['hex.decode("6869")', 'hex.decode("686")', 'hex.decode("zz")', 'hex.decode("")'],
  "base64url.encode_no_pad": ['base64url.encode_no_pad("any carnal pleas?")'],
  "units.parse_bytes": [
    'units.parse_bytes("1Ki")',
    'units.parse_bytes("1.5GB")',
    'units.parse_bytes("100")',
    'units.parse_bytes("1e3k")',
    'units.parse_bytes("2MiB")',
    'units.parse_bytes("0.5m")',
    'units.parse_bytes("\\"10\\"kb")',
    'units.parse_bytes("1 Ki")',
    'units.parse_bytes("Ki")',
    'units.parse_bytes("12xb")',
    'units.parse_bytes("1..2k")',
    'units.parse_bytes("-3K")',
  ],
  "units.parse": [
    'units.parse("500m")',
    'units.parse("2")',
    'units.parse("1.5Gi")',
    'units.parse("100M")',
    'units.parse("1k")',
    'units.parse("0.1m")',
    'units.parse("1m")',
    'units.parse("2mi")',
    'units.parse("3MI")',
    'units.parse("x")',
    'units.parse("1 m")',
    'units.parse("7q")',
    'units.parse("2e3")',
  ],
  "semver.compare": [
    'semver.compare("1.2.3", "1.2.4")',
    'semver.compare("v2.0.0", "1.99.99")',
    'semver.compare("1.0.0-alpha", "1.0.0")',
    'semver.compare("1.0.0-alpha.1", "1.0.0-alpha.beta")',
    'semver.compare("1.0.0-beta.11", "1.0.0-beta.2")',
    'semver.compare("1.0.0+build.1", "1.0.0+build.2")',
    'semver.compare("1.0", "1.0.0")',
    'semver.compare("1.0.0", "01.0.0")',
  ],
  "semver.is_valid": [
    'semver.is_valid("1.0.0-rc.1+sha.5114f85")',
    'semver.is_valid("1.0.0-01")',
    'semver.is_valid("1.0")',
    "semver.is_valid(input.n)",
  ],
  "object.subset": [
    'object.subset({"a": {"b": 1, "c": [1, 2, 3]}}, {"a": {"c": [2, 3]}})',
    'object.subset({"a": 1}, {"a": 2})',
    "object.subset({1, 2, 3}, {1, 3})",
    "object.subset([1, 2, 3, 4], [2, 3])",
    "object.subset([1, 2, 3, 4], [2, 4])",
    "object.subset([1, 2, 3], {3, 1})",
    'object.subset({"a": {1, 2}}, {"a": {2}})',
    "object.subset(input.list, input.n)",
  ],
  "strings.split_n": [
    'strings.split_n("a,b,c,d", ",", 2)',
    'strings.split_n("a,b,c,d", ",", -2)',
    'strings.split_n("a,b", ",", 5)',
    'strings.split_n("a,b", ",", 0)',
    'strings.split_n("äbc", "", 2)',
    'strings.split_n("a,b,c", ",", -9)',
    'strings.split_n("a", ",", input.half)',
  ],
  "regex.replace": [
    'regex.replace("-1 +2 3", "([+-]?)(\\\\d)", "<$1|${2}>")',
    'regex.replace("key=value", "(?P<k>\\\\w+)=(?P<v>\\\\w+)", "$v=$k $$ $kx $3 $")',
    'regex.replace("Hello World", "(?i)o", "0")',
    'regex.replace("a.b.c", "\\\\.", "\\\\")',
    'regex.replace("tab\\there", "\\\\s", "_")',
    'regex.replace("x\\u00a0y", "\\\\s", "_")',
    'regex.replace("abc", "^", ">")',
    'regex.replace("aaa", "a*", "-")',
    'regex.replace("über", "\\\\pL", "L")',
    'regex.replace("a1-b2", "[[:alpha:]]", "?")',
    'regex.replace("a:b", "\\\\:", "=")',
    'regex.replace("abc", "(a", "x")',
    'regex.replace("abc", "a**", "x")',
    'regex.replace("abc", "*a", "x")',
    'regex.replace("x", "[a", "y")',
    'regex.replace(input.n, "a", "b")',
  ],
  "regex.find_n": [
    'regex.find_n("[a-z]+", "ab 12 cd ef", -1)',
    'regex.find_n("[a-z]+", "ab 12 cd ef", 2)',
    'regex.find_n("[a-z]+", "ab 12 cd ef", 0)',
    'regex.find_n("x*", "axxb", -1)',
    'regex.find_n("\\\\Aa", "aaa", -1)',
    'regex.find_n("a\\\\z", "aaa", -1)',
  ],
  "regex.template_match": [
    'regex.template_match("urn:foo:{.*}", "urn:foo:bar:baz", "{", "}")',
    'regex.template_match("urn:foo.bar:{[a-z]+}", "urn:foo.bar:42", "{", "}")',
    'regex.template_match("v<\\\\d+>.<\\\\d+>", "v1.22", "<", ">")',
    'regex.template_match("a{b", "ab", "{", "}")',
    'regex.template_match("a{(}", "a", "{", "}")',
    'regex.template_match("a", "a", "{{", "}")',
  ],
  "urlquery.encode": ['urlquery.encode("a b&c=d/é~_-.*!")'],
  "urlquery.decode": [
    'urlquery.decode("a+b%26c%3Dd%2F%C3%A9")',
    'urlquery.decode("%zz")',
    'urlquery.decode("100%")',
  ],
  "urlquery.encode_object": [
    'urlquery.encode_object({"b": ["2", "1"], "a": "x y", "c": {"z"}})',
    "urlquery.encode_object(input.q)",
    "urlquery.encode_object(input.qa)",
  ],
  "urlquery.decode_object": [
    'urlquery.decode_object("a=1&b=2&a=3&c&=x&&d=%41")',
    'urlquery.decode_object("a=%zz&b=1")',
    'urlquery.decode_object("a=1;b=2")',
  ],
  "time.parse_duration_ns": [
    'time.parse_duration_ns("1h30m")',
    'time.parse_duration_ns("-1.5h")',
    'time.parse_duration_ns("300ms")',
    'time.parse_duration_ns("1.000000001s")',
    'time.parse_duration_ns("2µs3ns")',
    'time.parse_duration_ns("0")',
    'time.parse_duration_ns("1d12h")',
    'time.parse_duration_ns("1.5w")',
    'time.parse_duration_ns("1y")',
    'time.parse_duration_ns("")',
    'time.parse_duration_ns("1")',
    'time.parse_duration_ns("1x")',
    'time.parse_duration_ns("1dx")',
    'time.parse_duration_ns("9999999999h")',
    'time.parse_duration_ns("abc")',
  ],
  "time.parse_rfc3339_ns": [
    'time.parse_rfc3339_ns("2024-02-29T12:30:45Z")',
    'time.parse_rfc3339_ns("2024-02-29T12:30:45.123456789123+05:30")',
    'time.parse_rfc3339_ns("1970-01-01T00:00:00-08:00")',
    'time.parse_rfc3339_ns("2023-02-29T12:30:45Z")',
    'time.parse_rfc3339_ns("2023-13-01T00:00:00Z")',
    'time.parse_rfc3339_ns("2023-01-01 00:00:00Z")',
    'time.parse_rfc3339_ns("2023-01-01T00:00:00")',
    'time.parse_rfc3339_ns("2023-01-01T00:00:00Zjunk")',
    'time.parse_rfc3339_ns("x")',
    'time.parse_rfc3339_ns("2023-01-01T25:00:00Z")',
    'time.parse_rfc3339_ns("1600-01-01T00:00:00Z")',
  ],
  "time.date": [
    "time.date(1709209845000000000)",
    'time.date([1709209845000000000, "Asia/Tokyo"])',
    'time.date([-1, "UTC"])',
    'time.date([0, "Mars/Olympus"])',
    "time.date(input.half)",
  ],
  "time.clock": ['time.clock([1709209845123000000, "America/New_York"])', "time.clock(0)"],
  "time.weekday": ["time.weekday(0)", 'time.weekday([1709209845000000000, "Pacific/Kiritimati"])'],
  "time.add_date": [
    "time.add_date(1706659200000000000, 0, 1, 0)",
    "time.add_date(1709209845000000007, 1, 0, 0)",
    "time.add_date(0, -300, 0, 0)",
  ],
  "time.diff": [
    "time.diff(1709209845000000000, 0)",
    "time.diff(0, 1709209845000000000)",
    "time.diff(1706659200000000000, 1709251200000000000)",
  ],
  "time.format": [
    "time.format(1709209845123400000)",
    'time.format([1709209845000000000, "Asia/Kolkata"])',
    'time.format([0, "America/St_Johns"])',
  ],
  trace: ['trace("checked")', "trace(input.n)"],
  "net.cidr_is_valid": [
    'net.cidr_is_valid("10.0.0.0/8")',
    'net.cidr_is_valid("10.0.0.1/33")',
    'net.cidr_is_valid("010.0.0.1/8")',
    'net.cidr_is_valid("10.0.0.1")',
    'net.cidr_is_valid("2001:db8::/32")',
    'net.cidr_is_valid("::ffff:10.0.0.1/120")',
    'net.cidr_is_valid("fe80::1%eth0/64")',
    'net.cidr_is_valid("1:2:3:4:5:6:7:8:9/64")',
    'net.cidr_is_valid("10.0.0.0/08")',
    "net.cidr_is_valid(input.n)",
  ],
  "net.cidr_expand": [
    'sort(net.cidr_expand("192.168.1.14/30"))',
    'net.cidr_expand("10.0.0.255/32")',
    'net.cidr_expand("10.0.0.0/x")',
  ],
  "net.cidr_contains_matches": [
    'sort(net.cidr_contains_matches(["10.0.0.0/8", ["192.168.0.0/16", "x"]], {"10.1.2.3", "192.168.7.0/24", "172.16.0.1"}))',
    'sort(net.cidr_contains_matches({"a": "2001:db8::/32", "b": ["10.0.0.0/24"]}, ["2001:db8::1", "10.0.0.0/23", "10.0.0.128/25"]))',
    'net.cidr_contains_matches("10.0.0.0/8", "10.2.0.0/16")',
    'net.cidr_contains_matches("10.0.0.0/8", "nonsense")',
    'net.cidr_contains_matches("10.0.0.0/88", "10.0.0.1")',
    'net.cidr_contains_matches([[]], "10.0.0.1")',
    'net.cidr_contains_matches(input.n, "10.0.0.1")',
  ],
  "uuid.parse": [
    'uuid.parse("00000000-0000-0000-0000-000000000000")',
    'uuid.parse("urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8")',
    'uuid.parse("{f47ac10b-58cc-4372-a567-0e02b2c3d479}")',
    'uuid.parse("f47ac10b58cc4372a5670e02b2c3d479")',
    'uuid.parse("000003e8-8a8b-21ef-8a00-325096b39f47")',
    'uuid.parse("not-a-uuid")',
  ],
  "io.jwt.decode": [
    'io.jwt.decode("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyLCJiaWciOjEyMzQ1Njc4OTAxMjM0NTY3ODkwfQ.za8TpMDJZJfAXsJ9zsiTIIdlD-sWNrRb2oj368HzxIY")',
    'io.jwt.decode("nodots")',
    'io.jwt.decode("a.b")',
    'io.jwt.decode("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyLCJiaWciOjEyMzQ1Njc4OTAxMjM0NTY3ODkwfQ.za8TpMDJZJfAXsJ9zsiTIIdlD-sWNrRb2oj368HzxIY")',
    'io.jwt.decode("eyJhbGciOiJub25lIn0.WzEsMl0.")',
    'io.jwt.decode("%%%.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyLCJiaWciOjEyMzQ1Njc4OTAxMjM0NTY3ODkwfQ.za8TpMDJZJfAXsJ9zsiTIIdlD-sWNrRb2oj368HzxIY")',
  ],
  "io.jwt.verify_rs256": [
    "io.jwt.verify_rs256(input.jwt.rs256, input.jwt.rsaPem)",
    "io.jwt.verify_rs256(input.jwt.rs256, input.jwt.otherPem)",
    "io.jwt.verify_rs256(input.jwt.rs256, input.jwt.ecPem)",
    "io.jwt.verify_rs256(input.jwt.rs256, input.jwt.extraPem)",
    'io.jwt.verify_rs256(input.jwt.rs256, "-----BEGIN NOTHING-----\\nAAAA\\n-----END NOTHING-----\\n")',
    'io.jwt.verify_rs256("a.b", input.jwt.rsaPem)',
  ],
  "io.jwt.verify_rs384": ["io.jwt.verify_rs384(input.jwt.rs512, input.jwt.rsaPem)"],
  "io.jwt.verify_rs512": ["io.jwt.verify_rs512(input.jwt.rs512, input.jwt.rsaPem)"],
  "io.jwt.verify_ps256": ["io.jwt.verify_ps256(input.jwt.ps384, input.jwt.rsaPem)"],
  "io.jwt.verify_ps384": [
    "io.jwt.verify_ps384(input.jwt.ps384, input.jwt.rsaPem)",
    "io.jwt.verify_ps384(input.jwt.rs256, input.jwt.rsaPem)",
  ],
  "io.jwt.verify_ps512": ["io.jwt.verify_ps512(input.jwt.ps384, input.jwt.otherPem)"],
  "io.jwt.verify_es256": [
    "io.jwt.verify_es256(input.jwt.es256, input.jwt.ecPem)",
    "io.jwt.verify_es256(input.jwt.es256, input.jwt.rsaPem)",
  ],
  "io.jwt.verify_es384": ["io.jwt.verify_es384(input.jwt.es256, input.jwt.ecPem)"],
  "io.jwt.verify_es512": ["io.jwt.verify_es512(input.jwt.es256, input.jwt.ecPem)"],
  "io.jwt.verify_eddsa": [
    "io.jwt.verify_eddsa(input.jwt.eddsa, input.jwt.edPem)",
    "io.jwt.verify_eddsa(input.jwt.eddsa, input.jwt.ecPem)",
  ],
  "io.jwt.verify_hs256": [
    'io.jwt.verify_hs256("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyLCJiaWciOjEyMzQ1Njc4OTAxMjM0NTY3ODkwfQ.za8TpMDJZJfAXsJ9zsiTIIdlD-sWNrRb2oj368HzxIY", "secret")',
    'io.jwt.verify_hs256("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyLCJiaWciOjEyMzQ1Njc4OTAxMjM0NTY3ODkwfQ.za8TpMDJZJfAXsJ9zsiTIIdlD-sWNrRb2oj368HzxIY", "wrong")',
  ],
  "io.jwt.verify_hs384": [
    'io.jwt.verify_hs384("eyJhbGciOiJIUzM4NCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyLCJiaWciOjEyMzQ1Njc4OTAxMjM0NTY3ODkwfQ.N80HcprG2-RMuXRVHNLdQW1Lm1EuXHsrs5vhdmhUKvCY6SNi7KGmVRZ-WUdE_H48", "k")',
  ],
  "io.jwt.verify_hs512": [
    'io.jwt.verify_hs512("eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyLCJiaWciOjEyMzQ1Njc4OTAxMjM0NTY3ODkwfQ.fNJM05ka1k59NyRelfZx5dwDQ2QAi78ulC-avzGg0dKZEMN3VXhUrkzbTdSOwQKqq3ZiSBRcStRM50tVjaXSXw", "k")',
    'io.jwt.verify_hs512("x.y", "k")',
  ],
  "json.patch": [
    'json.patch({"a": {"b": [1, 2]}}, [{"op": "add", "path": "/a/b/1", "value": 9}, {"op": "add", "path": "/a/b/-", "value": 3}])',
    'json.patch({"a": 1, "b": 2}, [{"op": "remove", "path": "/a"}, {"op": "replace", "path": "b", "value": {"c": 1}}])',
    'json.patch({"a": {"x": 1}}, [{"op": "move", "from": "/a/x", "path": "/y"}, {"op": "copy", "from": "/y", "path": "/z"}])',
    'json.patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1}, {"op": "add", "path": ["k/1", "n"], "value": 2}])',
    'json.patch({"k/1": {}}, [{"op": "add", "path": ["k/1", "n"], "value": 2}, {"op": "add", "path": "/m~1n~0", "value": 0}])',
    'json.patch({"s": {1, 2}}, [{"op": "add", "path": ["s", 3], "value": 3}, {"op": "remove", "path": ["s", 1]}])',
    'json.patch({"a": 1}, [{"op": "test", "path": "/a", "value": 2}])',
    'json.patch({"a": 1}, [{"op": "remove", "path": "/b"}])',
    'json.patch({"a": [1]}, [{"op": "add", "path": "/a/5", "value": 2}])',
    'json.patch({"a": [1]}, [{"op": "remove", "path": "/a/1"}])',
    'json.patch({"a": [1]}, [{"op": "add", "path": "/a/01", "value": 2}])',
    'json.patch({"a": 1}, [{"op": "add", "path": "/a/b", "value": 2}])',
    'json.patch({"a": {}}, [{"op": "add", "path": "/x/y", "value": 2}])',
    'json.patch({"a": [0]}, [{"op": "add", "path": "/a/3/x", "value": 2}])',
    'json.patch({"a": 1}, [{"op": "frob", "path": "/a"}])',
    'json.patch({"a": 1}, [{"path": "/a"}])',
    'json.patch({"a": 1}, [{"op": "add"}])',
    'json.patch({"a": 1}, [{"op": "add", "path": "/b"}])',
    'json.patch({"a": 1}, input.badop)',
    'json.patch({"a": 1}, [{"op": "move", "path": "/b"}])',
    'json.patch({"a": 1}, input.nonobj)',
    'json.patch({"a": 1}, [{"op": "add", "path": "", "value": [7]}])',
    'json.patch({"a": 1}, [{"op": "add", "path": 5, "value": 2}])',
    'json.patch({"s": {1}}, [{"op": "add", "path": ["s", 3], "value": 4}])',
  ],
  "graph.reachable_paths": [
    'sort(graph.reachable_paths({"a": ["b", "c"], "b": {"d"}, "c": [], "d": ["a"]}, ["a"]))',
    'sort(graph.reachable_paths({"a": ["x"], "b": []}, {"a", "b", "z"}))',
    "graph.reachable_paths(input.obj, input.n)",
    "graph.reachable_paths(input.list, [])",
  ],
  "json.marshal_with_options": [
    'json.marshal_with_options({"b": [1, 2.50, {"y", "x"}], "a": "<&>\\u2028é", "c": {}}, {"indent": "  "})',
    'json.marshal_with_options({"a": [1, []]}, {"pretty": false, "prefix": "--"})',
    'json.marshal_with_options({"a": {"z": null, "y": true}}, {"prefix": ">"})',
    'json.marshal_with_options([], {"pretty": true})',
    'json.marshal_with_options({"a": 1}, {})',
    "json.marshal_with_options(input.obj, input.badindent)",
    "json.marshal_with_options(input.obj, input.badkey)",
    "json.marshal_with_options(input.obj, input.badpretty)",
  ],
  "numbers.range_step": [
    "numbers.range_step(0, 10, 3)",
    "numbers.range_step(10, 0, 4)",
    "numbers.range_step(1, 2, 0)",
    "numbers.range_step(input.half, 3, 1)",
    "numbers.range_step(1, input.s, 1)",
  ],
};

/** sprintf over every value kind: numbers as written, strings, booleans, null, composites, sets. */
const SPRINTF = [
  'sprintf("%v", [{"memory", "cpu"}])',
  'sprintf("missing: %v", [{"b": {"z", "a"}, "a": [set(), {}]}])',
  'sprintf("%v %v %v %v", [input.n, input.one, input.half, input.big])',
  'sprintf("%d %d", [input.one, input.big])',
  'sprintf("%v %d %s", [1.0, 10, 2.50])',
  'sprintf("%v|%s|%d", [true, null, false])',
  'sprintf("%v", [{1: "a", "b": 2.0}])',
  'sprintf("%q", [{"a\\u0007"}])',
  'sprintf("%.3f %e %g", [input.half, input.half, 1e21])',
  'sprintf("%x %X %o %b %c", [255, "hi", 8, 5, 65])',
  'sprintf("[%5d|%-5d|%05d|%+d|%8.3f|%-8v|%08.2f]", [42, 42, 42, 42, input.half, "ab", -1.5])',
  'sprintf("%E %G %.2e %v %v", [1234.5678, 0.00001234, 1234.5678, 1e6, 123456.0])',
  'sprintf("%s %v", ["only one"])',
  'sprintf("%t %v", [true, input.s, "extra"])',
  'sprintf("%d", [input.big])',
  'sprintf("%v", [[null, true, "é\\n", 0.1, -0]])',
  'sprintf("%v", [input.obj])',
  'sprintf("%s", [input.list])',
  'sprintf("%v", [[1e400]])',
];

/** JSON with object keys sorted: Rego objects have no key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/** Rego v0 only (deprecated in v1): Gatekeeper templates may still call them. */
const V0_CASES: Record<string, string[]> = {
  cast_array: ["cast_array({3, 1})", "cast_array([2])", 'cast_array("x")'],
  cast_set: ["sort(cast_set([2, 1, 2]))", "cast_set(input.n)"],
  cast_string: ['cast_string("s")', "cast_string(input.n)"],
  cast_boolean: ["cast_boolean(true)", "cast_boolean(input.s)"],
  cast_null: ["cast_null(null)", "cast_null(input.n)"],
  cast_object: ['cast_object({"a": 1})', "cast_object(input.list)"],
};

describe(`host builtins against opa eval ${opaVersion()}`, () => {
  const host = JSON.parse(
    readFileSync(join(packageRoot(), "tools", "wasm-builtins.json"), "utf8"),
  ) as {
    host: string[];
  };

  it("has cases for every builtin the host supplies", () => {
    expect([...Object.keys(CASES), ...Object.keys(V0_CASES)].sort()).toEqual([...host.host].sort());
  });

  const all = [...Object.values(CASES).flat(), ...SPRINTF];

  it("gives opa eval's value or error for every case", async () => {
    const want = opaOutcomes(all, INPUT);
    const got = await wasmOutcomes(all, INPUT);
    const differences = all
      .map((expression, i) => ({ expression, opa: want[i], portcullis: got[i] }))
      .filter((d) => canonical(d.opa) !== canonical(d.portcullis));
    expect(differences).toEqual([]);
    // The cases reach both values and errors.
    expect(want.filter((o) => o.error).length).toBeGreaterThan(20);
    expect(want.filter((o) => !o.error).length).toBeGreaterThan(60);
  });

  it("gives opa eval's value or error for the Rego v0 casts", async () => {
    const v0 = Object.values(V0_CASES).flat();
    const want = opaOutcomes(v0, INPUT, true);
    const got = await wasmOutcomes(v0, INPUT, true);
    expect(v0.map((e, i) => [e, canonical(got[i])])).toEqual(
      v0.map((e, i) => [e, canonical(want[i])]),
    );
  });
});

describe("a call the host cannot answer as OPA would", () => {
  // PolicyRunner then evaluates the batch with the pinned opa (test/engines/opa-eval-builtins.test.ts).
  it("stops the wasm evaluation instead of being undefined (a deny rule would read that as a pass)", async () => {
    await expect(wasmOutcomes(['regex.replace("A", "(?i:a)", "b")'], {})).rejects.toThrow(
      "inline flags inside a pattern are not supported",
    );
  });
});

describe("builtins a review withholds", () => {
  const tools = {
    opa: findOpa(),
    capabilities: join(packageRoot(), "dist", "policies", "capabilities.json"),
  };
  // The path both engines compile with: wasm, else the pinned opa (which refuses the same builtins).
  const compile = (expression: string) =>
    buildPolicy(
      {
        sources: [{ path: "p/withheld.rego", text: `package p\n\nx := ${expression}\n` }],
        entrypoints: ["p/x"],
        v0: false,
      },
      tools,
    );

  it.each([
    [
      'http.send({"method": "get", "url": "http://127.0.0.1"})',
      "http.send",
      "it reaches the network",
    ],
    ["time.now_ns()", "time.now_ns", "it reads the clock"],
    ['rand.intn("k", 10)', "rand.intn", "it is random"],
    ['net.lookup_ip_addr("example.com")', "net.lookup_ip_addr", "it reaches the network (DNS)"],
    [
      "crypto.x509.parse_and_verify_certificates(input.cert)",
      "crypto.x509.parse_and_verify_certificates",
      "it checks the certificates' validity against the clock",
    ],
    [
      '[graphql.is_valid("{ a }", "type Query { a: Int }"), http.send({"method": "get", "url": "http://127.0.0.1"})]',
      "http.send",
      "it reaches the network",
    ],
  ])("refuses %s at compile time, saying why", async (expression, name, why) => {
    const err = await compile(expression).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyCompileError);
    const e = err as PolicyCompileError;
    expect(e.message).toContain(
      `p/withheld.rego:3: rego_type_error: undefined function ${name} (refused: ${why}; a review must give the same answer every time)`,
    );
    expect([e.file, e.line]).toEqual(["p/withheld.rego", 3]);
  });

  it("compiles print away, as opa build does: the rule still holds", async () => {
    const wasm = await buildWasm(
      {
        sources: [
          { path: "p/print.rego", text: 'package p\n\nx := 1 if {\n  print("seen", input)\n}\n' },
        ],
        entrypoints: ["p/x"],
        v0: false,
      },
      tools,
    );
    expect(new WasmModule(wasm).instantiate({}).evaluate({}, "p/x")).toEqual([{ result: 1 }]);
  });

  it("does not compile a builtin only the pinned opa supplies to wasm (opa eval runs it)", async () => {
    const err = (await buildWasm(
      {
        sources: [
          {
            path: "p/engine.rego",
            text: 'package p\n\nx := graphql.is_valid("{ a }", "type Query { a: Int }")\n',
          },
        ],
        entrypoints: ["p/x"],
        v0: false,
      },
      tools,
    ).catch((e: unknown) => e)) as PolicyCompileError;
    expect(err.message).toContain("undefined function graphql.is_valid");
    expect(err.message).not.toContain("refused");
  });
});
