// Development-only packages heavy enough that a user of the npm package or the pre-commit hook must
// never get them installed (devDependencies of package.json).
export const HEAVY_DEV_ONLY = [
  "typescript",
  "jest",
  "esbuild",
  "eslint",
  "@octokit/openapi",
  "@octokit/webhooks-examples",
  "ts-jest",
  "nock",
];
