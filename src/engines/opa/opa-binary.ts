// Where the `opa` binary is at run time (repository policies are compiled with it).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../adapters/fs/policy-bundle.js";

/** $PORTCULLIS_OPA, then the one `npm run build` made (.tools/bin/opa), then `opa` on PATH. */
export function findOpa(env: Readonly<Record<string, string | undefined>> = process.env): string {
  // A variable that is set names the binary: a wrong path fails naming it, never another opa.
  if (env.PORTCULLIS_OPA) return env.PORTCULLIS_OPA;
  const pinned = join(packageRoot(), ".tools", "bin", "opa");
  if (existsSync(pinned)) return pinned;
  const onPath = spawnSync("sh", ["-c", "command -v opa"], { encoding: "utf8" });
  if (onPath.status === 0 && onPath.stdout.trim() !== "") return onPath.stdout.trim();
  throw new Error(
    "repository policies need the opa binary: put opa on PATH or set PORTCULLIS_OPA (the container image and the GitHub Action carry it; in a checkout of Portcullis, `npm run build:tools` builds it)",
  );
}
