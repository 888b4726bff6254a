// The two YAML position libraries the design card names, on the same corpus: speed and correctness.
// `yaml` (with LineCounter) is Portcullis's reference reader; js-yaml + js-yaml-source-map is the
// alternative. Portcullis's own reader (parseManifest: values first from the line reader or js-yaml,
// positions on demand, `yaml` where neither can vouch) is measured next to them, and each of its two
// fast readers on its own.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import SourceMap from "js-yaml-source-map";
import { LineCounter, parseAllDocuments } from "yaml";

function yamlFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e.name) && !p.includes("/templates/")) out.push(p);
  }
  return out;
}

/** `yaml`: every document with a line lookup. */
function withYaml(text) {
  const lineCounter = new LineCounter();
  return parseAllDocuments(text, { lineCounter, version: "1.1", merge: true }).map((doc) => ({
    value: doc.toJS({ maxAliasCount: 100 }),
    line: (path) => {
      let node = doc.contents;
      let line;
      for (const key of path) {
        const pair = node?.items?.find?.((p) => (p.key?.value ?? p.key) === key);
        const item = typeof key === "number" ? node?.items?.[key] : undefined;
        if (pair) {
          line = lineCounter.linePos(pair.key.range[0]).line;
          node = pair.value;
        } else if (item) {
          line = lineCounter.linePos(item.range[0]).line;
          node = item;
        } else return undefined;
        if (node?.source && typeof node.resolve === "function") node = node.resolve(doc);
      }
      return line;
    },
  }));
}

/** js-yaml-source-map works on one document at a time: split on `---` lines ourselves. */
function withSourceMap(text) {
  const docs = [];
  let offsetLines = 0;
  for (const part of text.split(/^---.*$/m)) {
    const map = new SourceMap();
    const value = jsyaml.load(part, { listener: map.listen() });
    const base = offsetLines;
    docs.push({
      value,
      line: (path) => {
        const at = map.lookup(path.map(String));
        return at ? at.line + base : undefined;
      },
    });
    // The next part starts on the separator's own line (split removed only the `---`).
    offsetLines += (part.match(/\n/g) ?? []).length;
  }
  return docs.filter((d) => d.value !== undefined && d.value !== null);
}

const PROBES = [
  {
    name: "multi-document: line of the second document's `kind`",
    text: "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n",
    doc: 1,
    path: ["kind"],
    expect: 5,
  },
  {
    name: "flow style: `securityContext: { privileged: true }`",
    text: "spec:\n  containers:\n    - name: a\n      securityContext: { privileged: true }\n",
    doc: 0,
    path: ["spec", "containers", 0, "securityContext", "privileged"],
    expect: 4,
  },
  {
    name: "block value: line of the key `securityContext:`",
    text: "spec:\n  securityContext:\n    runAsNonRoot: true\n",
    doc: 0,
    path: ["spec", "securityContext"],
    expect: 2,
  },
  {
    name: "anchors: field reached through an alias",
    text: "defaults: &d\n  privileged: true\nspec:\n  securityContext: *d\n",
    doc: 0,
    path: ["spec", "securityContext", "privileged"],
    expect: 2,
  },
  {
    name: "merge key: `<<: *base` value is merged",
    text: "base: &b\n  privileged: true\nsc:\n  <<: *b\n",
    doc: 0,
    value: (v) => v?.sc?.privileged === true,
  },
  {
    name: "YAML 1.1 as Kubernetes reads it: `runAsNonRoot: yes` is true",
    text: "runAsNonRoot: yes\n",
    doc: 0,
    value: (v) => v?.runAsNonRoot === true,
  },
  {
    name: "a `---` inside a block scalar is not a separator",
    text: "data:\n  notes: |\n    ---\n    text\nkind: K\n",
    doc: 0,
    path: ["kind"],
    expect: 5,
  },
];

/** Portcullis's reader, values only or with a position lookup (which reads the positions). */
function withPortcullis(parseManifest) {
  return (text) =>
    parseManifest("bench.yaml", text).documents.map((d) => ({
      value: d.value,
      line: (path) => {
        const at = d.locate(path);
        return at.exact ? at.lines.start : undefined;
      },
    }));
}

function probe(parse) {
  return PROBES.map((p) => {
    try {
      const docs = parse(p.text);
      const d = docs[p.doc];
      const ok = p.value ? p.value(d?.value) : d?.line(p.path) === p.expect;
      return ok ? "yes" : "no";
    } catch (err) {
      return `fails (${String(err?.message ?? err)
        .split("\n")[0]
        .slice(0, 40)})`;
    }
  });
}

function time(fn, texts, lookup = true) {
  const times = [];
  let failures = 0;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    failures = 0;
    for (const text of texts) {
      try {
        for (const d of fn(text)) if (lookup) d.line(["kind"]);
      } catch {
        failures++;
      }
    }
    times.push(performance.now() - t);
  }
  return { ms: times.sort((a, b) => a - b)[1], failures };
}

/** One reader over every text: median time of 3 passes, and how many texts it read (not declined). */
function timeReader(read, texts) {
  const times = [];
  let count = 0;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    count = texts.filter((text) => read(text)).length;
    times.push(performance.now() - t);
  }
  return { ms: times.sort((a, b) => a - b)[1], read: count };
}

export function benchParsers(corpus, parseManifest, readers) {
  const texts = yamlFiles(corpus).map((f) => readFileSync(f, "utf8"));
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const ours = withPortcullis(parseManifest);
  const a = time(withYaml, texts);
  const b = time(withSourceMap, texts);
  const c = time(ours, texts);
  const v = time(ours, texts, false);
  const [pa, pb, pc] = [probe(withYaml), probe(withSourceMap), probe(ours)];
  const speed = (r) => `${r.ms.toFixed(0)} ms (${(bytes / 1e6 / (r.ms / 1000)).toFixed(1)} MB/s)`;
  return [
    `YAML readers on the corpus (${texts.length} files, ${(bytes / 1e6).toFixed(1)} MB), parse + one position lookup per document, median of 3:`,
    "",
    "| | `yaml` 2 + LineCounter (reference) | `js-yaml` 4 + `js-yaml-source-map` | Portcullis (`parseManifest`) |",
    "|---|---|---|---|",
    `| time | ${speed(a)} | ${speed(b)} | ${speed(c)}; values only (a file without findings): ${speed(v)} |`,
    `| files that failed to parse | ${a.failures} | ${b.failures} | ${c.failures} |`,
    ...PROBES.map((p, i) => `| ${p.name} | ${pa[i]} | ${pb[i]} | ${pc[i]} |`),
    "",
    ...fastReaders(texts, readers),
  ];
}

/** The fast read's two readers on their own, values only, on the same files (the first pass is cold). */
function fastReaders(texts, readers) {
  const line = timeReader(readers.line, texts);
  const js = timeReader(readers.js, texts);
  return [
    `The fast read's two readers on their own, values only, median of 3: the line reader ${line.ms.toFixed(0)} ms (reads ${line.read} of ${texts.length} files), js-yaml ${js.ms.toFixed(0)} ms (reads ${js.read}).`,
  ];
}
