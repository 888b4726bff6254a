// The app's probes through the real server start (dist/index.js on 127.0.0.1). Without APP_ID and a
// private key Probot serves its setup pages (the manifest flow of docs/app.md) and loads no app:
// /healthz answered 404 there, so a liveness probe restarted the server being set up. It now answers
// while the app is unconfigured, and /readyz says it is not ready. In production mode (the image's
// NODE_ENV) Probot refuses to start unconfigured: one line, exit 2, not a stack trace.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { privateKey } from "../support/app-key.js";
import { answers, freePort, serverProcess } from "../support/server-process.js";

const built = existsSync(join(packageRoot(), "dist", "index.js"));
if (!built)
  process.stderr.write("setup-mode: dist/index.js is not built (npm run build:ts): skipped\n");

/** A folder without .env, package.json or *.pem: Probot finds no credentials there. */
const emptyFolder = () => mkdtempSync(join(tmpdir(), "portcullis-setup-"));

/** dist/index.js on a free loopback port with `env`, in `cwd` (NO_SMEE_SETUP: no smee.io). */
async function start(env: Record<string, string>, cwd = emptyFolder()) {
  const port = await freePort();
  const server = serverProcess(
    { HOST: "127.0.0.1", PORT: String(port), NO_SMEE_SETUP: "true", LOG_LEVEL: "fatal", ...env },
    cwd,
  );
  return { server, base: `http://127.0.0.1:${port}` };
}

/** The server started with `env` in `cwd` says ready on /readyz, then stops cleanly. */
async function saysReady(env: Record<string, string>, cwd: string) {
  const { server, base } = await start(env, cwd);
  try {
    expect(await answers(`${base}/healthz`)).toBe(true);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, "ready\n"]);
  } finally {
    server.child.kill("SIGTERM");
  }
  expect(await server.exited).toBe(0);
}

(built ? describe : describe.skip)("the server's probes", () => {
  it("answer while the app is unconfigured (Probot's setup mode): alive, not ready, setup pages served", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // NO_SMEE_SETUP: the setup would otherwise ask smee.io for a webhook channel (no network here).
    const server = serverProcess(
      { HOST: "127.0.0.1", PORT: String(port), NO_SMEE_SETUP: "true", LOG_LEVEL: "fatal" },
      emptyFolder(),
    );
    try {
      expect(await answers(`${base}/healthz`)).toBe(true);
      const health = await fetch(`${base}/healthz`);
      expect([health.status, await health.text()]).toEqual([200, "ok\n"]);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toBe(
        "not configured: APP_ID and a private key are not set (Probot's setup page at / registers the app)\n",
      );
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      const setup = await fetch(`${base}/`, { redirect: "manual" });
      expect([setup.status, setup.headers.get("location")]).toEqual([302, "/probot"]);
      expect((await fetch(`${base}/probot`)).status).toBe(200);
    } finally {
      server.child.kill("SIGTERM");
    }
    expect(await server.exited).toBe(0);
  }, 30_000);

  // It said "APP_ID and a private key are not set" when APP_ID was: the operator looked for the
  // wrong variable.
  it.each([
    [{ APP_ID: "5" }, "not configured: a private key is not set (PRIVATE_KEY or PRIVATE_KEY_PATH)"],
    [{ PRIVATE_KEY: privateKey }, "not configured: APP_ID is not set"],
  ])(
    "say what is missing when one of the two is set (%#)",
    async (env, why) => {
      const { server, base } = await start(env);
      try {
        expect(await answers(`${base}/readyz`)).toBe(true);
        const ready = await fetch(`${base}/readyz`);
        expect([ready.status, await ready.text()]).toEqual([
          503,
          `${why} (Probot's setup page at / registers the app)\n`,
        ]);
      } finally {
        server.child.kill("SIGTERM");
      }
      expect(await server.exited).toBe(0);
    },
    30_000,
  );

  it("say ready once configured", async () => {
    await saysReady({ APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s" }, emptyFolder());
  }, 30_000);

  it("in production mode, unconfigured, stop the start in one line, exit 2", async () => {
    const port = await freePort();
    const server = serverProcess(
      { HOST: "127.0.0.1", PORT: String(port), NODE_ENV: "production", LOG_LEVEL: "fatal" },
      emptyFolder(),
    );
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toBe(
      "portcullis: App ID is missing, and is required to run in production mode. To resolve, ensure the APP_ID environment variable is set.\n",
    );
  }, 30_000);

  it("start configured from the .env the setup page writes", async () => {
    const cwd = emptyFolder();
    const key = privateKey.trim().split("\n").join("\\n");
    writeFileSync(join(cwd, ".env"), `APP_ID=1\nPRIVATE_KEY="${key}"\nWEBHOOK_SECRET=s\n`);
    await saysReady({}, cwd);
  }, 30_000);

  // Probot read the .env file (where its setup page writes APP_ID and the key, docs/app.md) after
  // the app had checked its variables: a bad value there was never checked (APP_ID=abc served the
  // setup pages, PORTCULLIS_CONCURRENCY=lots ran with 2 workers). And a key Probot cannot read
  // (PRIVATE_KEY garbled, PRIVATE_KEY_PATH missing, two *.pem) printed a stack trace, then served
  // the setup pages as if no key were set (production: "Certificate is missing"); a file or PEM
  // text that is no key was taken, the app said ready, and every webhook then failed to sign.
  it.each([
    [
      "APP_ID=abc in .env",
      {},
      { ".env": "APP_ID=abc\n" },
      'portcullis: APP_ID must be a whole number above 0, not "abc"\n',
    ],
    [
      "PORTCULLIS_CONCURRENCY=lots in .env",
      { APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s" },
      { ".env": "PORTCULLIS_CONCURRENCY=lots\n" },
      'portcullis: PORTCULLIS_CONCURRENCY must be a whole number above 0, not "lots"\n',
    ],
    [
      "a garbled PRIVATE_KEY",
      { APP_ID: "1", PRIVATE_KEY: "not-a-key" },
      {},
      'portcullis: PRIVATE_KEY: The contents of "env.PRIVATE_KEY" could not be validated. Please check to ensure you have copied the contents of the .pem file correctly.\n',
    ],
    [
      "a PRIVATE_KEY_PATH that does not exist",
      { APP_ID: "1", PRIVATE_KEY_PATH: "/nonexistent/app.pem", NODE_ENV: "production" },
      {},
      'portcullis: PRIVATE_KEY_PATH: Private key does not exists at path: "/nonexistent/app.pem". Please check to ensure that "env.PRIVATE_KEY_PATH" is correct.\n',
    ],
    [
      "a PRIVATE_KEY_PATH to a file that is not a key",
      { APP_ID: "1", PRIVATE_KEY_PATH: "app.pem" },
      { "app.pem": "not a key\n" },
      "portcullis: PRIVATE_KEY_PATH: not a private key in PEM (RSA, as GitHub issues them)\n",
    ],
    [
      "a PRIVATE_KEY whose PEM body is not a key",
      {
        APP_ID: "1",
        PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n",
      },
      {},
      "portcullis: PRIVATE_KEY: not a private key in PEM (RSA, as GitHub issues them)\n",
    ],
    // Probot then verified webhooks with its public default secret, "development": anyone could
    // send the app events it took for GitHub's.
    [
      "an app ID and key without WEBHOOK_SECRET",
      { APP_ID: "1", PRIVATE_KEY: privateKey, NODE_ENV: "production" },
      {},
      "portcullis: WEBHOOK_SECRET is not set: webhooks would be verified with Probot's public default secret\n",
    ],
    [
      "two *.pem files and no key variable",
      { APP_ID: "1" },
      { "a.pem": privateKey, "b.pem": privateKey },
      'portcullis: the *.pem files: More than one file found: "a.pem, b.pem". Set { filepath } option or set one of the environment variables: PRIVATE_KEY, PRIVATE_KEY_PATH\n',
    ],
  ])(
    "%s stops the start in one line, exit 2",
    async (_, env, files: Record<string, string>, stderr) => {
      const cwd = emptyFolder();
      for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
      const { server } = await start(env, cwd);
      const stopped = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
      try {
        expect([await server.exited, server.stderr()]).toEqual([2, stderr]);
      } finally {
        clearTimeout(stopped);
      }
    },
    30_000,
  );
});
