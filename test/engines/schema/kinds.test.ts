// kube-schema compiles each kind's decoder and create strategy once per process (tools/kube-schema/
// kinds.go); its Go test runs that path and kubectl-validate's own Parse and Validate on the same
// documents in every carried Kubernetes version and requires the same answers. Run here so that
// `npm test` (which builds kube-schema's embedded schemas first) proves it, not only a manual `go test`.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../../src/adapters/fs/policy-bundle.js";

const go = spawnSync("sh", ["-c", "command -v go || ls /usr/local/go/bin/go"], {
  encoding: "utf8",
}).stdout.trim();

(go || process.env.CI === "true" ? it : it.skip)(
  "runs tools/kube-schema's Go tests: the compiled kinds answer as kubectl-validate does",
  () => {
    const r = spawnSync(go.split("\n")[0] || "go", ["test", "-count=1", "."], {
      cwd: join(packageRoot(), "tools", "kube-schema"),
      encoding: "utf8",
      env: { ...process.env, CGO_ENABLED: "0" },
    });
    expect(`${r.stdout}${r.stderr}`).toMatch(/^ok\s+portcullis\.dev\/tools\/kube-schema/m);
    expect(r.status).toBe(0);
  },
  600_000,
);
