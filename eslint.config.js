import tseslint from "typescript-eslint";

/** Modules that do I/O or talk to a platform: none of them in a pure folder. */
const IO_AND_SDKS = [
  "node:fs",
  "node:fs/promises",
  "node:child_process",
  "node:net",
  "node:http",
  "node:https",
  "node:worker_threads",
  "node:os",
  "probot",
  "@octokit/*",
  "@open-policy-agent/*",
  "bullmq",
  "ioredis",
];
const io = {
  group: IO_AND_SDKS,
  message: "a pure folder does no I/O and uses no SDK (docs/architecture.md)",
};
/** Import patterns of a folder, relative from anywhere under src/ (`../x/`, `../../x/`). */
const folder = (name) => [`../${name}/*`, `../../${name}/*`, `../../../${name}/*`];
const useCases = {
  group: [
    ...["review", "cli", "handlers", "jobs", "engines"].flatMap(folder),
    // owners/ holds the CODEOWNERS, approvals and signature vocabulary (pure) and one use case.
    "**/owners/git-checks.js",
  ],
  message: "adapters implement ports; they never import use cases (docs/architecture.md)",
};
const upward = (message, ...names) => ({ group: names.flatMap(folder), message });

// The layering of docs/architecture.md, enforced: each entry names what a folder must not import.
export const LAYERS = [
  {
    files: ["src/core/**/*.ts", "src/owners/{codeowners,approvals,signatures}.ts"],
    patterns: [
      io,
      upward(
        "core is the shared vocabulary: it imports no adapter, use case or front door",
        "adapters",
        "review",
        "cli",
        "handlers",
        "engines",
        "jobs",
        "owners",
        "render",
        "config",
        "ports",
      ),
    ],
  },
  {
    files: ["src/config/**/*.ts", "src/ports/**/*.ts", "src/render/**/*.ts", "src/fixes/**/*.ts"],
    patterns: [
      io,
      upward(
        "config, ports and renderers import the domain, never adapters or use cases",
        "adapters",
        "review",
        "cli",
        "handlers",
        "jobs",
        "engines",
      ),
    ],
  },
  {
    files: ["src/adapters/**/*.ts", "src/engines/opa/**/*.ts", "src/gitops/adapters/**/*.ts"],
    patterns: [useCases],
  },
  {
    files: ["src/handlers/**/*.ts"],
    patterns: [
      upward(
        "handlers turn an event into a job; the work is in src/jobs/ (docs/architecture.md)",
        "adapters",
        "engines",
        "owners",
      ),
    ],
  },
  {
    files: ["src/review/**/*.ts", "src/owners/**/*.ts", "src/gitops/*.ts"],
    patterns: [
      upward(
        "use cases are driven by the front doors, not the other way",
        "cli",
        "handlers",
        "jobs",
      ),
    ],
  },
];

/**
 * Size limits: a file and a function stay small enough to read (docs/architecture.md, "Size").
 * Blank lines and comments do not count. Test files are exempt (not listed below): a `describe`
 * block is one function holding many cases, and a table of cases reads best in one file.
 */
export const SIZE_LIMITS = {
  "max-lines": ["error", { max: 600, skipBlankLines: true, skipComments: true }],
  "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }],
};
const SIZE_LIMITED = ["src/**/*.ts", "scripts/**/*.{js,mjs,cjs,ts}"];

export default tseslint.config(
  {
    ignores: ["dist/", "node_modules/", ".tools/", "coverage/", "scratch/", ".helpers/", "tools/"],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "no-console": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  { files: ["src/cli/**", "scripts/**", "bin/**"], rules: { "no-console": "off" } },
  { files: ["test/**"], rules: { "@typescript-eslint/no-non-null-assertion": "off" } },
  ...LAYERS.map(({ files, patterns }) => ({
    files,
    rules: { "no-restricted-imports": ["error", { patterns }] },
  })),
  { files: SIZE_LIMITED, rules: SIZE_LIMITS },
  // Sorting goes through src/core/compare-text.ts: the same order as localeCompare without ICU's
  // collator, which costs a one-file check a fifth of its start-up (docs/decisions.md).
  {
    files: ["src/**/*.ts"],
    ignores: ["src/core/compare-text.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name='localeCompare']",
          message: "Use compareText (src/core/compare-text.ts): same order, no ICU start-up.",
        },
      ],
    },
  },
);
