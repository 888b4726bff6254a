// compareText against the real localeCompare: the same sign for every pair of generated strings
// (mixed case, digits, - _ / . and a few others), and, under each default locale a user may set,
// the guard that lets it skip ICU only where that locale's localeCompare orders by code point.
import { spawnSync } from "node:child_process";
import { compareText, rootCollation, rootCompare } from "../../src/core/compare-text.js";

/** A deterministic generator (xorshift), so a failure names strings that can be replayed. */
function generator(seed: number) {
  let x = seed;
  return (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const ASCII = Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)).join("");
const ALPHABETS = [
  ASCII,
  ASCII,
  "-./0123456789abcdefghijklmnopqrstuvwxyz",
  "-./_0123456789aAbByYzZ",
  "-./_ :~0123456789abcijyzABCIJYZ\u00e9\u00c5",
  "aA bB-_.",
  "-./01aA\t\n\u0000\u0301",
];

function strings(count: number, seed: number): string[] {
  const next = generator(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const alphabet = ALPHABETS[next(ALPHABETS.length)]!;
    let s = "";
    for (let n = next(9); n > 0; n--) s += alphabet[next(alphabet.length)];
    // A prefix of an earlier string now and then: "a" against "a-b", "PCK" against "PCK001".
    out.push(i > 0 && next(5) === 0 ? out[next(i)]!.slice(0, next(4)) + s : s);
  }
  return out;
}

describe("compareText", () => {
  it("has localeCompare's sign for every pair of 300,000 generated pairs, before and after ICU takes over", () => {
    const list = strings(600, 1);
    const wrong: string[] = [];
    // rootCompare itself wherever compareText may use it (printable ASCII; this process's locale
    // aside: the per-locale cases below run it under each), compareText everywhere.
    const printable = (s: string) => /^[\x20-\x7e]*$/.test(s);
    for (const a of list)
      for (const b of list.slice(0, 500)) {
        const want = Math.sign(a.localeCompare(b));
        if (
          Math.sign(compareText(a, b)) !== want ||
          (printable(a) &&
            printable(b) &&
            rootCollation(process.env) &&
            Math.sign(rootCompare(a, b)) !== want)
        )
          wrong.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it("sorts file paths and rule IDs as localeCompare does", () => {
    const list = [
      "apps/web/deploy.yaml",
      "apps/web-2/deploy.yaml",
      "apps/web.old/deploy.yaml",
      "apps/web/Deploy.yaml",
      "apps/web_x/deploy.yaml",
      "apps/web10/deploy.yaml",
      "apps/web9/deploy.yaml",
      "PCK001",
      "PCK010",
      "PCK-1",
      "PCV001",
      "pck001",
      "",
    ];
    expect([...list].sort(compareText)).toEqual([...list].sort((a, b) => a.localeCompare(b)));
  });

  // A child Node per default locale: where the guard says "root", that locale's localeCompare
  // must order strings of printable ASCII as compareText's own root comparison does.
  const locales: Array<Record<string, string>> = [
    {},
    { LANG: "C" },
    { LANG: "C.UTF-8" },
    { LANG: "POSIX" },
    { LANG: "en_US.UTF-8" },
    { LANG: "en_GB.UTF-8" },
    { LANG: "lt_LT.UTF-8" },
    { LANG: "da_DK.UTF-8" },
    { LANG: "" },
    { LANG: "en_US@euro" },
    { LC_ALL: "C", LANG: "lt_LT.UTF-8" },
    { LC_ALL: "lt_LT", LANG: "C" },
    { LC_MESSAGES: "da_DK", LANG: "en_US.UTF-8" },
  ];
  it.each(locales)("skips ICU only where the default locale orders as the root: %j", (vars) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ["LC_ALL", "LC_MESSAGES", "LANG"]) delete env[k];
    Object.assign(env, vars);
    const ascii = strings(3000, 7).filter((s) => /^[\x20-\x7e]*$/.test(s));
    const child = spawnSync(
      process.execPath,
      [
        "-e",
        `const lists = JSON.parse(process.argv[1]);
process.stdout.write(JSON.stringify({
  locale: new Intl.Collator().resolvedOptions().locale,
  sorted: lists.map((l) => l.map((a) => l.map((b) => Math.sign(a.localeCompare(b))))),
  ij: ["j", "y", "i"].sort((a, b) => a.localeCompare(b)).join(""),
}));`,
        JSON.stringify([ascii.slice(0, 150)]),
      ],
      { env, encoding: "utf8" },
    );
    const seen = JSON.parse(child.stdout) as { locale: string; sorted: string[][]; ij: string };
    if (rootCollation(env)) {
      const l = ascii.slice(0, 150);
      expect(seen.sorted).toEqual([l.map((a) => l.map((b) => Math.sign(rootCompare(a, b))))]);
      expect(seen.ij).toBe("ijy");
    }
    // The guard is not vacuous: it holds for the plain cases and refuses the tailored locales.
    if (vars.LANG === "C.UTF-8" || Object.keys(vars).length === 0)
      expect(rootCollation(env)).toBe(true);
    if (seen.locale.startsWith("lt") || seen.locale.startsWith("da"))
      expect(rootCollation(env)).toBe(false);
  });
});
