// OPA's deterministic time builtins (topdown/time.go over Go's time package): nanoseconds since
// the epoch as BigInt, dates in the proleptic Gregorian calendar. Named time zones come from the
// ICU data Node carries; "Local" (the process's zone) and layouts other than RFC 3339 stop the
// evaluation as Unsupported rather than answer differently from OPA.
import { RegoNumber, type RegoValue } from "../rego-value.js";
import { num, str, typeError, typeName, Unsupported } from "./operands.js";

type Fn = (...args: RegoValue[]) => RegoValue | undefined;

const goQuote = (s: string) => JSON.stringify(s);
const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;
const NS_PER_S = 1_000_000_000n;

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: NS_PER_S,
  m: 60n * NS_PER_S,
  h: 3600n * NS_PER_S,
};

/** time.ParseDuration, with Go's messages. */
function goParseDuration(orig: string): bigint {
  const invalid = () => new Error(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s[0] === "-" || s[0] === "+") {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw invalid();
  let d = 0n;
  while (s !== "") {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (!/^[0-9.]/.test(s)) throw invalid();
    const [whole, intPart = "", frac] = m;
    if (intPart === "" && (frac === undefined || frac === "")) throw invalid();
    s = s.slice(whole.length);
    const unitText = /^[^0-9.]*/.exec(s)![0];
    if (unitText === "") throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
    s = s.slice(unitText.length);
    const unit = UNITS[unitText];
    if (unit === undefined)
      throw new Error(`time: unknown unit ${goQuote(unitText)} in duration ${goQuote(orig)}`);
    let v = BigInt(intPart || "0");
    if (v > 2n ** 63n / unit) throw invalid();
    v *= unit;
    if (frac) {
      // leadingFraction keeps digits while they fit in an int64, then Go scales in float64.
      let f = 0n;
      let scale = 1;
      for (const c of frac) {
        if (f > (2n ** 63n - 1n) / 10n) break;
        const y = f * 10n + BigInt(c);
        if (y > 2n ** 63n) break;
        f = y;
        scale *= 10;
      }
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > 2n ** 63n) throw invalid();
    }
    d += v;
    if (d > 2n ** 63n) throw invalid();
  }
  if (neg) return -d;
  if (d > MAX_NS) throw invalid();
  return d;
}

const EXTENDED: Record<string, number> = { d: 24, w: 7 * 24, y: 365 * 24 };

/** parseExtendedDuration: d, w and y rewritten to hours, the rest as Go reads it. */
function parseDuration(v: RegoValue): RegoValue {
  const s = str(v!, 1);
  if (s === "") throw new Error(`time: invalid duration ${goQuote(s)}`);
  if (!/[dwy]/.test(s)) return new RegoNumber(goParseDuration(s).toString());
  const m = /^([-+]?)((?:[0-9.]+(?:ms|us|µs|ns|[a-z]))+)$/.exec(s);
  if (!m) throw new Error(`time: invalid duration ${goQuote(s)}`);
  const rewritten =
    m[1] +
    [...m[2]!.matchAll(/([0-9.]+)(ms|us|µs|ns|[a-z])/g)]
      .map(([, digits, unit]) => {
        const hours = EXTENDED[unit!];
        if (hours === undefined) return `${digits}${unit}`;
        if (!/^(\d+\.?\d*|\.\d+)$/.test(digits!))
          throw new Error(`time: invalid duration ${goQuote(s)}`);
        return `${String(Number(digits) * hours)}h`;
      })
      .join("");
  try {
    return new RegoNumber(goParseDuration(rewritten).toString());
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(`${msg.slice(0, msg.lastIndexOf(" "))} ${goQuote(s)}`);
  }
}

const RFC3339 = "2006-01-02T15:04:05Z07:00";

function daysIn(month: number, year: number): number {
  return month === 2 ? (leap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function leap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Seconds since the epoch of a UTC wall clock (any year, months and days normalised as Go does). */
function epochSeconds(y: number, mo: number, d: number, h: number, mi: number, s: number): bigint {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return BigInt(date.getTime() / 1000);
}

function inRange(ns: bigint): RegoValue {
  // time.go's limits for UnixNano: 1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z
  if (ns < MIN_NS || ns > MAX_NS) throw new Error("time outside of valid range");
  return new RegoNumber(ns.toString());
}

/** time.Parse(time.RFC3339, value): Go's general parser walking the layout, with its messages. */
function parseRfc3339(v: RegoValue): RegoValue {
  const value = str(v!, 1);
  let rest = value;
  const bad = (elem: string) =>
    new Error(
      `parsing time ${goQuote(value)} as ${goQuote(RFC3339)}: cannot parse ${goQuote(rest)} as ${goQuote(elem)}`,
    );
  const range = (what: string) => new Error(`parsing time ${goQuote(value)}: ${what} out of range`);
  const digits = (n: number, elem: string, fixed: boolean): number => {
    const m = (fixed ? new RegExp(`^\\d{${n}}`) : /^\d\d?/).exec(rest);
    if (!m) throw bad(elem);
    rest = rest.slice(m[0].length);
    return Number(m[0]);
  };
  const literal = (text: string) => {
    if (!rest.startsWith(text)) throw bad(text);
    rest = rest.slice(text.length);
  };
  const year = digits(4, "2006", true);
  literal("-");
  const month = digits(2, "01", true);
  if (month < 1 || month > 12) throw range("month");
  literal("-");
  const day = digits(2, "02", true);
  literal("T");
  const hour = digits(2, "15", false);
  if (hour >= 24) throw range("hour");
  literal(":");
  const minute = digits(2, "04", true);
  if (minute >= 60) throw range("minute");
  literal(":");
  const second = digits(2, "05", true);
  if (second >= 60) throw range("second");
  let nanos = 0n;
  const frac = /^[.,](\d+)/.exec(rest);
  if (frac) {
    nanos = BigInt(frac[1]!.slice(0, 9).padEnd(9, "0"));
    rest = rest.slice(frac[0].length);
  }
  let offset = 0;
  if (rest.startsWith("Z")) rest = rest.slice(1);
  else {
    if (rest.length < 6 || rest[3] !== ":" || !/^[+-]\d\d:\d\d/.test(rest)) throw bad("Z07:00");
    const [hh, mm] = [Number(rest.slice(1, 3)), Number(rest.slice(4, 6))];
    if (hh > 24) throw range("time zone offset hour");
    if (mm > 60) throw range("time zone offset minute");
    offset = (rest[0] === "-" ? -1 : 1) * (hh * 3600 + mm * 60);
    rest = rest.slice(6);
  }
  if (rest !== "") throw new Error(`parsing time ${goQuote(value)}: extra text: ${goQuote(rest)}`);
  if (day < 1 || day > daysIn(month, year))
    throw new Error(`parsing time ${goQuote(value)}: day out of range`);
  const seconds = epochSeconds(year, month, day, hour, minute, second) - BigInt(offset);
  return inRange(seconds * NS_PER_S + nanos);
}

interface Instant {
  readonly ns: bigint;
  /** undefined: UTC */
  readonly zone?: string;
  readonly layout: string;
}

/** tzTime: a number of nanoseconds, or [ns, zone, layout]. */
function instant(a: RegoValue): Instant {
  const expected = "either number (ns) or [number (ns), string (tz)]";
  let n: RegoValue;
  let zone: string | undefined;
  let layout = "";
  if (Array.isArray(a)) {
    if (a.length === 0) throw typeError(1, a, expected);
    n = a[0]!;
    num(n, 1);
    if (a.length > 1) {
      const tz = str(a[1]!, 1);
      if (tz === "Local") throw new Unsupported('the time zone "Local" depends on the machine');
      if (tz !== "" && tz !== "UTC") {
        try {
          new Intl.DateTimeFormat("en-US", { timeZone: tz });
        } catch {
          throw new Error(`unknown time zone ${tz}`);
        }
        zone = tz;
      }
    }
    if (a.length > 2) layout = str(a[2]!, 1);
  } else if (typeof a === "number" || a instanceof RegoNumber) n = a;
  else throw new Error(`operand 1 must be ${expected} but got ${typeName(a!)}`);
  const text = n instanceof RegoNumber ? n.text : String(n);
  let ns: bigint;
  if (/^-?\d+$/.test(text)) ns = BigInt(text);
  else {
    const f = Number(text);
    if (!Number.isInteger(f) || Math.abs(f) >= 2 ** 63) throw new Error("timestamp too big");
    ns = BigInt(f);
  }
  if (ns < MIN_NS || ns > MAX_NS) throw new Error("timestamp too big");
  return { ns, zone, layout };
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  offset: number;
}

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

function fields(t: Instant): Fields {
  const seconds = floorDiv(t.ns, NS_PER_S);
  const date = new Date(Number(seconds) * 1000);
  if (!t.zone)
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
      weekday: date.getUTCDay(),
      offset: 0,
    };
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: t.zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const year = parts.era === "BC" ? 1 - Number(parts.year) : Number(parts.year);
  const local = epochSeconds(
    year,
    Number(parts.month),
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offset = Number(local - seconds);
  const wall = new Date(Number(local) * 1000);
  return {
    year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: wall.getUTCDay(),
    offset,
  };
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Arithmetic on wall clocks is only done in UTC here (a zone's transitions are Go's to know). */
function utcOnly(t: Instant, what: string): void {
  if (t.zone) throw new Unsupported(`${what} in the time zone ${t.zone} is not supported`);
}

function integer(v: RegoValue, pos: number): number {
  const n = num(v!, pos);
  if (!Number.isInteger(n))
    throw new Error(`operand ${pos} must be integer number but got floating-point number`);
  return n;
}

function addDate(a: RegoValue, y: RegoValue, m: RegoValue, d: RegoValue): RegoValue {
  const t = instant(a!);
  utcOnly(t, "time.add_date");
  const [years, months, days] = [integer(y, 2), integer(m, 3), integer(d, 4)];
  const f = fields(t);
  const nanos = t.ns - floorDiv(t.ns, NS_PER_S) * NS_PER_S;
  const seconds = epochSeconds(
    f.year + years,
    f.month + months,
    f.day + days,
    f.hour,
    f.minute,
    f.second,
  );
  return inRange(seconds * NS_PER_S + nanos);
}

function diff(a: RegoValue, b: RegoValue): number[] {
  let [t1, t2] = [instant(a!), instant(b!)];
  utcOnly(t1, "time.diff");
  utcOnly(t2, "time.diff");
  if (t1.ns > t2.ns) [t1, t2] = [t2, t1];
  const [x, z] = [fields(t1), fields(t2)];
  let [year, month, day, hour, min, sec] = [
    z.year - x.year,
    z.month - x.month,
    z.day - x.day,
    z.hour - x.hour,
    z.minute - x.minute,
    z.second - x.second,
  ];
  if (sec < 0) [sec, min] = [sec + 60, min - 1];
  if (min < 0) [min, hour] = [min + 60, hour - 1];
  if (hour < 0) [hour, day] = [hour + 24, day - 1];
  if (day < 0) {
    const overflow = new Date(Date.UTC(2000, 0, 1));
    overflow.setUTCFullYear(x.year, x.month - 1, 32);
    [day, month] = [day + 32 - overflow.getUTCDate(), month - 1];
  }
  if (month < 0) [month, year] = [month + 12, year - 1];
  return [year, month, day, hour, min, sec];
}

/** time.format with its default layout, RFC 3339 with nanoseconds (trailing zeros dropped). */
function format(a: RegoValue): string {
  const t = instant(a!);
  if (
    t.layout !== "" &&
    t.layout !== "RFC3339Nano" &&
    t.layout !== "2006-01-02T15:04:05.999999999Z07:00"
  )
    throw new Unsupported(`time.format with the layout ${goQuote(t.layout)} is not supported`);
  const f = fields(t);
  const two = (n: number) => String(n).padStart(2, "0");
  const nanos = t.ns - floorDiv(t.ns, NS_PER_S) * NS_PER_S;
  const frac = nanos === 0n ? "" : `.${nanos.toString().padStart(9, "0").replace(/0+$/, "")}`;
  const off = Math.abs(f.offset);
  const zone =
    f.offset === 0 && !t.zone
      ? "Z"
      : f.offset === 0
        ? "Z"
        : `${f.offset < 0 ? "-" : "+"}${two(Math.floor(off / 3600))}:${two(Math.floor((off % 3600) / 60))}`;
  return `${String(f.year).padStart(4, "0")}-${two(f.month)}-${two(f.day)}T${two(f.hour)}:${two(f.minute)}:${two(f.second)}${frac}${zone}`;
}

export const TIME_BUILTINS: Record<string, Fn> = {
  "time.parse_duration_ns": parseDuration,
  "time.parse_rfc3339_ns": parseRfc3339,
  "time.date": (a) => {
    const f = fields(instant(a!));
    return [f.year, f.month, f.day];
  },
  "time.clock": (a) => {
    const f = fields(instant(a!));
    return [f.hour, f.minute, f.second];
  },
  "time.weekday": (a) => WEEKDAYS[fields(instant(a!)).weekday]!,
  "time.add_date": addDate,
  "time.diff": diff,
  "time.format": format,
};
