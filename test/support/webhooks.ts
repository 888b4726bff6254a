// GitHub's own webhook payloads (@octokit/webhooks-examples), as an app receives them.
import { createRequire } from "node:module";
import { Probot, type ProbotOctokit } from "probot";
import { createApp, type AppDeps } from "../../src/app.js";
import { portcullisOctokit } from "../../src/adapters/github/octokit.js";
import { privateKey } from "./app-key.js";

interface Examples {
  name: string;
  examples: { action?: string; [key: string]: unknown }[];
}
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Examples[];

export interface PullRequestPayload {
  pull_request: {
    number: number;
    user: { login: string };
    base: { sha: string };
    head: { sha: string };
  };
  [key: string]: unknown;
}

/** A copy of the example of `event.action`, with an installation (an app gets one with each). */
export function webhookExample(
  event: string,
  action: string,
  installation = 31,
): PullRequestPayload {
  const found = examples.find((e) => e.name === event)?.examples.find((x) => x.action === action);
  if (!found) throw new Error(`no ${event}.${action} example`);
  return {
    ...structuredClone(found),
    installation: { id: installation },
  } as unknown as PullRequestPayload;
}

/** The app on a Probot whose GitHub is `baseUrl` (the loopback stand-in), with production's Octokit. */
export function appOn(
  baseUrl: string,
  deps: AppDeps,
  Octokit: typeof ProbotOctokit = portcullisOctokit(),
): Probot {
  const probot = new Probot({ appId: 1, privateKey, baseUrl, Octokit, logLevel: "fatal" });
  void probot.load(createApp(deps));
  return probot;
}

/** A new file a pull request adds: a privileged Pod (PCK001, with a safe fix). */
export const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: ghcr.io/acme/web:1.0.0
      securityContext:
        privileged: true
`;

/** The patch GitHub lists for a file added with `text`. */
export function addedPatch(text: string): string {
  const lines = text.trimEnd().split("\n");
  return `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}`;
}
