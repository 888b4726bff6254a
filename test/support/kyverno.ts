// The pinned Kyverno CLI for tests: present, or the tests say they are skipped locally and FAIL in
// CI (CI=true), where `.ci/run` builds it (`npm run build:kyverno`).
import { findKyverno } from "../../src/engines/kyverno/run.js";

export const kyvernoBinary = findKyverno();

/** `describe` when the pinned kyverno is built; else skipped (locally) or one failing test (CI). */
export function describeWithKyverno(name: string, body: () => void): void {
  if (kyvernoBinary) {
    describe(name, body);
    return;
  }
  if (process.env.CI === "true") {
    describe(name, () => {
      test("the pinned kyverno is built (CI builds it with `npm run build:kyverno`)", () => {
        throw new Error("kyverno is not built: .ci/run must run `npm run build:kyverno`");
      });
    });
    return;
  }
  process.stderr.write(`kyverno is not built: run \`npm run build:kyverno\` (${name}: skipped)\n`);
  describe.skip(name, body);
}
