// The proof behind the line reader's subset (docs/parsing.md): every text it reads on its own is
// read the same by kubectl/Argo CD and kustomize/Flux (tools/yaml-oracle). Every fixture of this
// repository, ../shared/corpus when present, hand-written adversarial cases and a seeded
// mutation fuzzer. A longer run: `npm run fuzz:yaml -- --minutes N`; here
// YAML_FUZZ_SEED=<n> YAML_FUZZ_CASES=<n> change the sample.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import {
  ADVERSARIAL,
  disagreement,
  lineValues,
  mutate,
  random,
} from "../../src/yaml/differential.js";
import { OracleSession } from "../../src/yaml/oracle-session.js";
import { yamlOracle } from "../support/yaml-oracle.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CORPUS = join(ROOT, "..", "shared", "corpus");
const SEED = Number(process.env.YAML_FUZZ_SEED ?? 15);
const CASES = Number(process.env.YAML_FUZZ_CASES ?? 50_000);

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".") || name === "dist") continue;
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) yamlFiles(path, out);
    else if (/\.(ya?ml|json)$/.test(name) && stat.size < 1_000_000) out.push(path);
  }
  return out;
}

/** Texts the line reader vouches for that the consumers read otherwise, with why. */
async function check(session: OracleSession, texts: Iterable<[string, string]>): Promise<string[]> {
  const pending: Promise<string | undefined>[] = [];
  for (const [name, text] of texts) {
    if (!lineValues(text)) continue; // declined: the consumers' readers decide it at run time
    pending.push(
      session.read(text).then((r) => {
        const why = disagreement(text, r);
        return (
          why &&
          `${name}: ${why}\n${JSON.stringify(text.length > 4000 ? `${text.slice(0, 4000)}...` : text)}`
        );
      }),
    );
  }
  return (await Promise.all(pending)).filter((x): x is string => x !== undefined);
}

let session: OracleSession;
beforeAll(() => {
  session = new OracleSession(yamlOracle());
}, 300_000);
afterAll(() => session.close());

describe("the line reader reads only what Kubernetes' own readers read alike", () => {
  it("on every YAML and JSON file of this repository", async () => {
    const files = [
      ...yamlFiles(join(ROOT, "test")),
      ...yamlFiles(join(ROOT, "examples")),
      ...yamlFiles(join(ROOT, "policies")),
    ];
    expect(files.length).toBeGreaterThan(50);
    const texts = files.map((f): [string, string] => [relative(ROOT, f), readFileSync(f, "utf8")]);
    expect(await check(session, texts)).toEqual([]);
  });

  it("on ../shared/corpus when present", async () => {
    if (!existsSync(CORPUS)) {
      process.stderr.write(`differential: ${CORPUS} is absent; the corpus comparison is skipped\n`);
      return;
    }
    const files = yamlFiles(CORPUS);
    const texts = files.map((f): [string, string] => [
      relative(CORPUS, f),
      readFileSync(f, "utf8"),
    ]);
    expect(await check(session, texts)).toEqual([]);
  });

  it(`on ${CASES} mutants of the fixtures and adversarial seeds (seed ${SEED})`, async () => {
    const seeds = [
      ...ADVERSARIAL,
      ...yamlFiles(join(ROOT, "examples")).map((f) => readFileSync(f, "utf8")),
    ].filter((s) => s.length < 20_000);
    const rng = random(SEED);
    function* mutants(): Generator<[string, string]> {
      for (let i = 0; i < CASES; i++)
        yield [`mutant ${i}`, mutate(seeds[Math.floor(rng() * seeds.length)]!, rng)];
    }
    const found: string[] = [];
    const all = [...mutants()];
    for (let i = 0; i < all.length; i += 2000)
      found.push(...(await check(session, all.slice(i, i + 2000))));
    expect(found.slice(0, 5)).toEqual([]);
  });
});
