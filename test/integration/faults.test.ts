// GitHub API faults injected by the loopback stand-in, through probot.receive() and the app's own
// Octokit class: bounded retries, then an explicit conclusion with the reason; never a missing
// check after one was started, never a false success, never a retry loop on a suspended install.
import { portcullisOctokit, WriteLanes } from "../../src/adapters/github/octokit.js";
import type { ReviewTask } from "../../src/jobs/review-jobs.js";
import { ReviewQueue } from "../../src/review/review-queue.js";
import { bundle } from "../support/engine.js";
import { appOn, webhookExample } from "../support/webhooks.js";
import {
  startGitHubStandIn,
  type GitHubStandIn,
  type StandInRepo,
} from "../support/github-stand-in.js";

const opened = webhookExample("pull_request", "opened", 77);
const { number, base, head } = opened.pull_request;

const CONFIG = "codeOwners: { enabled: false }\nsignedCommits: { enabled: false }\n";
const POD =
  "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  hostNetwork: true\n  containers:\n    - {name: web, image: 'ghcr.io/acme/web:1.0.0'}\n";

interface CheckBody {
  status?: string;
  conclusion?: string;
  output?: { title: string; summary: string; annotations: unknown[] };
}

describe("GitHub API faults", () => {
  let standIn: GitHubStandIn;
  afterEach(async () => standIn?.close());

  /** Reviews the pull request with `faults` injected; returns the requests the stand-in saw. */
  async function reviewWith(faults: StandInRepo["faults"]) {
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: {
        [base.sha]: { ".github/portcullis.yml": CONFIG },
        [head.sha]: { ".github/portcullis.yml": CONFIG, "pod.yaml": POD },
      },
      changed: [{ filename: "pod.yaml", status: "added" }],
      faults,
    });
    const queue = new ReviewQueue<ReviewTask>(1, { retry: { attempts: 3, backoffMs: 10 } });
    // Production's class: retries and rate-limit waits in units of 5 ms instead of 1 s, and a
    // write bucket large enough that pacing (not under test here) never waits.
    const probot = appOn(
      standIn.url,
      { bundle: bundle(), queue, fixCommits: false, today: () => "2026-06-01" },
      portcullisOctokit(new WriteLanes(1_000), { baseMs: 5 }),
    );
    await probot.receive({
      id: `d-${Math.random()}`,
      name: "pull_request",
      payload: opened,
    } as never);
    await queue.idle();
    const requests = standIn.requests;
    const completed = requests
      .filter((r) => r.method === "PATCH" && !r.fault)
      .map((r) => r.body as CheckBody)
      .filter((b) => b.status === "completed");
    const count = (method: string, path: RegExp) =>
      requests.filter((r) => r.method === method && path.test(r.path)).length;
    return { requests, completed, count };
  }

  it("retries a 502 on the file list and completes the review normally", async () => {
    const { completed, count } = await reviewWith([
      { method: "GET", path: "/pulls/\\d+/files$", status: 502, times: 2 },
    ]);
    expect(count("GET", /\/pulls\/\d+\/files$/)).toBe(3);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ conclusion: "failure" });
    expect(completed[0]!.output!.title).not.toMatch(/could not complete/);
    expect(completed[0]!.output!.annotations.length).toBeGreaterThan(0);
  });

  it("retries a reset connection on the contents query", async () => {
    const { completed, count } = await reviewWith([
      { method: "POST", path: "^/graphql$", reset: true },
    ]);
    expect(count("POST", /^\/graphql$/)).toBe(2);
    expect(completed[0]!.output!.annotations.length).toBeGreaterThan(0);
  });

  it("waits out a secondary rate limit's retry-after, then completes the check", async () => {
    const { completed, count } = await reviewWith([
      {
        method: "PATCH",
        path: "/check-runs/\\d+$",
        status: 403,
        headers: { "retry-after": "1" },
        message: "You have exceeded a secondary rate limit. Please wait a few minutes.",
      },
    ]);
    expect(count("PATCH", /\/check-runs\/\d+$/)).toBe(2);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.output!.annotations.length).toBeGreaterThan(0);
  });

  it("ends the check as a failure with the reason when the contents keep failing", async () => {
    const { completed } = await reviewWith([
      { method: "POST", path: "^/graphql$", status: 500, times: 100, message: "boom upstream" },
    ]);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ conclusion: "failure" });
    expect(completed[0]!.output!.title).toBe("Portcullis could not complete the review");
    expect(completed[0]!.output!.summary).toContain("boom upstream");
  });

  it("does not wait an hour for an exhausted primary limit: the check fails with the reason", async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    const { completed } = await reviewWith([
      {
        method: "GET",
        path: "/pulls/\\d+/files$",
        status: 403,
        times: 10,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
        message: "API rate limit exceeded for installation ID 77.",
      },
    ]);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ conclusion: "failure" });
    expect(completed[0]!.output!.summary).toContain("API rate limit exceeded");
  });

  it("gives up at once on a suspended installation: one token request, nothing posted", async () => {
    const { count, requests } = await reviewWith([
      {
        method: "POST",
        path: "/access_tokens$",
        status: 403,
        times: 10,
        message: "This installation has been suspended",
      },
    ]);
    expect(count("POST", /\/access_tokens$/)).toBe(1);
    expect(requests.filter((r) => r.path.includes("/check-runs"))).toEqual([]);
  });

  it("re-runs a review whose check could not be created, and completes it", async () => {
    // Octokit retries the creation 3 times; the 4th failure fails the job, the queue runs it again.
    const { completed, count } = await reviewWith([
      { method: "POST", path: "/check-runs$", status: 502, times: 4 },
    ]);
    expect(count("POST", /\/check-runs$/)).toBe(5);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.output!.annotations.length).toBeGreaterThan(0);
  });

  it("treats a rate limit that outlasts Octokit's waits as temporary: the queue runs the job again", async () => {
    // Octokit waits out retry-after twice; the third 403 fails the job, which is not "permanent".
    const { completed, count } = await reviewWith([
      {
        method: "POST",
        path: "/check-runs$",
        status: 403,
        times: 3,
        headers: { "retry-after": "1" },
        message: "You have exceeded a secondary rate limit.",
      },
    ]);
    expect(count("POST", /\/check-runs$/)).toBe(4);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.output!.annotations.length).toBeGreaterThan(0);
  });

  it("completes the started check as a failure when every attempt fails: never left in progress", async () => {
    // Each attempt tries to complete the check twice: the result (4 requests, Octokit's retries),
    // then the error (once: after an outage the job's requests are not retried). 3 attempts.
    const { requests, count } = await reviewWith([
      { method: "PATCH", path: "/check-runs/\\d+$", status: 502, times: 15 },
    ]);
    expect(count("PATCH", /\/check-runs\/\d+$/)).toBe(16);
    expect(count("POST", /\/check-runs$/)).toBe(1); // the retries resumed the same check run
    const last = requests.filter((r) => r.method === "PATCH" && !r.fault).at(-1)!;
    expect(last.body).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Portcullis could not complete the review" },
    });
    expect((last.body as CheckBody).output!.summary).toContain("failed after every attempt");
  });
});
