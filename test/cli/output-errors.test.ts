// What bin/portcullis does when its output cannot be written as a whole: a reader that closes the
// pipe early (`| head`) ends the run quietly, a full disk is one line and exit 2 (it was a stack
// trace and exit 1, a CI's "findings"), and a report larger than a pipe's buffer arrives whole.
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";

const ROOT = packageRoot();
const BIN = join(ROOT, "bin", "portcullis");
const built = existsSync(join(ROOT, "dist", "cli", "main.js"));
if (!built) process.stderr.write("output tests skipped: the CLI is not built (npm run build)\n");
const env = { ...process.env, PORTCULLIS_KUBE_SCHEMA: "" };

const work = mkdtempSync(join(tmpdir(), "portcullis-output-"));
const file = join(work, "web.yaml");
writeFileSync(
  file,
  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:latest\n",
);
afterAll(() => rmSync(work, { recursive: true, force: true }));

(built ? describe : describe.skip)("bin/portcullis's output", () => {
  it("arrives whole through a pipe and in a file, larger than a pipe's buffer", () => {
    const piped = spawnSync(process.execPath, [BIN, "rules", "--json"], { encoding: "utf8", env });
    const out = join(work, "rules.json");
    const fd = openSync(out, "w");
    const toFile = spawnSync(process.execPath, [BIN, "rules", "--json"], {
      stdio: ["ignore", fd, "pipe"],
      env,
    });
    closeSync(fd);
    expect([piped.status, toFile.status]).toEqual([0, 0]);
    expect(piped.stdout.length).toBeGreaterThan(128 * 1024);
    expect(readFileSync(out, "utf8")).toBe(piped.stdout);
    expect(() => JSON.parse(piped.stdout) as unknown).not.toThrow();
  });

  it("ends quietly when the reader closes the pipe early (| head)", async () => {
    const child = spawn(process.execPath, [BIN, "rules", "--json"], { env });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  });

  (existsSync("/dev/full") ? it : it.skip)(
    "says in one line that the disk is full, exit 2, for the report of a check",
    () => {
      const fd = openSync("/dev/full", "w");
      const r = spawnSync(
        process.execPath,
        [BIN, "check", file, "--format", "json", "--no-color"],
        { stdio: ["ignore", fd, "pipe"], encoding: "utf8", env },
      );
      closeSync(fd);
      const lines = r.stderr.trim().split("\n");
      expect(r.status).toBe(2);
      expect(lines.at(-1)).toBe(
        "portcullis: cannot write standard output: no space left on the device",
      );
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    },
  );

  (existsSync("/dev/full") ? it : it.skip)(
    "names the --output file that cannot be written, in one line, exit 2",
    () => {
      const r = spawnSync(
        process.execPath,
        [BIN, "check", file, "--format", "json", "--output", "/dev/full"],
        { encoding: "utf8", env },
      );
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n").at(-1)).toBe(
        "portcullis: cannot write /dev/full: no space left on the device",
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
