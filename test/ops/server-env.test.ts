// The app's variables (docs/app.md): a bad value stops the server at start with one line and exit
// 2. PORTCULLIS_CONCURRENCY=four used to run with 2 workers, PORTCULLIS_FIX_COMMITS=1 without
// fix commits, in silence.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { serverEnv } from "../../src/ops/server-env.js";
import { privateKey } from "../support/app-key.js";

describe("the server's variables", () => {
  it("take their documented values and defaults", () => {
    expect(serverEnv({})).toEqual({
      concurrency: 2,
      lockMs: undefined,
      fixCommits: false,
      policyTimeLimitMs: undefined,
      writeBurst: undefined,
    });
    expect(
      serverEnv({
        PORTCULLIS_CONCURRENCY: "4",
        PORTCULLIS_QUEUE_LOCK_MS: "30000",
        PORTCULLIS_FIX_COMMITS: "true",
        PORTCULLIS_POLICY_TIMEOUT_MS: "20000",
        PORTCULLIS_WRITE_BURST: "8",
      }),
    ).toEqual({
      concurrency: 4,
      lockMs: 30000,
      fixCommits: true,
      policyTimeLimitMs: 20000,
      writeBurst: 8,
    });
  });

  it.each([
    ["PORTCULLIS_CONCURRENCY", "four", "a whole number above 0"],
    ["PORTCULLIS_CONCURRENCY", "0", "a whole number above 0"],
    ["PORTCULLIS_QUEUE_LOCK_MS", "30s", "a whole number above 0"],
    ["PORTCULLIS_POLICY_TIMEOUT_MS", "-5", "a whole number above 0"],
    ["PORTCULLIS_WRITE_BURST", "1.5", "a whole number above 0"],
    ["PORTCULLIS_FIX_COMMITS", "1", "true or false"],
    ["PORTCULLIS_CHART_MAX_BYTES", "20MiB", "a whole number above 0"],
    ["PORTCULLIS_CHART_TIMEOUT_MS", "30s", "a whole number above 0"],
    ["PORTCULLIS_CHART_MAX_BYTES", "0x10", "a whole number above 0"],
    ["PORTCULLIS_CHART_MAX_BYTES", "-1", "a whole number above 0"],
    ["PORTCULLIS_CHART_TIMEOUT_MS", "3000000000", "at most 2147483647"],
    ["PORTCULLIS_POLICY_TIMEOUT_MS", "3000000000", "at most 2147483647"],
    ["PORTCULLIS_QUEUE_LOCK_MS", "3000000000", "at most 2147483647"],
    ["APP_ID", "abc", "a whole number above 0"],
    ["APP_ID", "12ab", "a whole number above 0"],
    // Probot reads PORT as Number(PORT) || 3000: 3000x and 0 listened on 3000 in silence.
    ["PORT", "3000x", "a whole number above 0"],
    ["PORT", "0", "a whole number above 0"],
    ["PORT", "70000", "at most 65535"],
  ])("refuses %s=%s", (name, value, what) => {
    expect(() => serverEnv({ [name]: value })).toThrow(
      `${name} must be ${what}, not ${JSON.stringify(value)}`,
    );
  });

  it("refuses an app ID and key with a blank or no WEBHOOK_SECRET; setup mode needs none", () => {
    const app = { APP_ID: "1", PRIVATE_KEY: privateKey };
    expect(() => serverEnv(app)).toThrow(
      "WEBHOOK_SECRET is not set: webhooks would be verified with Probot's public default secret",
    );
    expect(() => serverEnv({ ...app, WEBHOOK_SECRET: "" })).toThrow("WEBHOOK_SECRET is not set");
    expect(() => serverEnv({ ...app, WEBHOOK_SECRET: " \n" })).toThrow("WEBHOOK_SECRET is blank");
    expect(serverEnv({ ...app, WEBHOOK_SECRET: "s" }).concurrency).toBe(2);
    expect(serverEnv({ APP_ID: "1" }).concurrency).toBe(2);
    expect(serverEnv({ PRIVATE_KEY: privateKey }).concurrency).toBe(2);
  });

  it("refuses a PORTCULLIS_REGISTRY_CONFIG it cannot read, naming it", () => {
    expect(() =>
      serverEnv({ PORTCULLIS_REGISTRY_CONFIG: "/nonexistent/portcullis/config.json" }),
    ).toThrow(
      "PORTCULLIS_REGISTRY_CONFIG (/nonexistent/portcullis/config.json) cannot be read (ENOENT)",
    );
  });

  const server = join(packageRoot(), "dist", "index.js");
  (existsSync(server) ? it : it.skip)(
    "stop the server at start: one line, exit 2, nothing listening",
    () => {
      const r = spawnSync(process.execPath, [server], {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          PORTCULLIS_CONCURRENCY: "four",
          PORT: "65535",
          HOST: "127.0.0.1",
        },
        timeout: 20_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(
        'portcullis: PORTCULLIS_CONCURRENCY must be a whole number above 0, not "four"\n',
      );
    },
  );
});
