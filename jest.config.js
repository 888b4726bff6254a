/** Jest runs the TypeScript sources directly (ESM through ts-jest); type checking is `npm run typecheck`. */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, diagnostics: false }],
  },
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/test/support/summary-reporter.cjs"],
};
