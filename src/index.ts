// Composition root of the server: real dependencies in, Probot's runner out.
import { run } from "probot";
import { createApp } from "./app.js";
import { loadPolicyBundle } from "./adapters/fs/policy-bundle.js";

const bundle = loadPolicyBundle();
await run(createApp({ bundle, today: () => new Date().toISOString().slice(0, 10) }));
