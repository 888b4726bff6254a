// Prometheus metrics of the app, on a registry of its own (no process-global state).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Finding } from "../core/types.js";
import { httpStatus } from "../adapters/github/http-status.js";

export class Metrics {
  readonly registry = new Registry();
  readonly reviews = new Counter({
    name: "portcullis_reviews_total",
    help: "Reviews completed, by the policy check's conclusion",
    labelNames: ["conclusion"] as const,
    registers: [this.registry],
  });
  readonly findings = new Counter({
    name: "portcullis_findings_total",
    help: "Findings reported on pull requests, by rule, severity and status",
    labelNames: ["rule", "severity", "status"] as const,
    registers: [this.registry],
  });
  readonly reviewSeconds = new Histogram({
    name: "portcullis_review_duration_seconds",
    help: "Time from a review job's start to its last check completed",
    buckets: [0.5, 1, 2, 3, 5, 10, 20, 40, 80],
    registers: [this.registry],
  });
  readonly evaluationSeconds = new Histogram({
    name: "portcullis_evaluation_duration_seconds",
    help: "Time to evaluate one side (head or base) of a change: parsing and every policy",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20],
    registers: [this.registry],
  });
  readonly queueWaitSeconds = new Histogram({
    name: "portcullis_queue_wait_seconds",
    help: "Time a review waited in the queue before it started",
    buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });
  readonly githubRequests = new Counter({
    name: "portcullis_github_requests_total",
    help: "GitHub API requests, by method and response status",
    labelNames: ["method", "status"] as const,
    registers: [this.registry],
  });
  readonly rateLimitRemaining = new Gauge({
    name: "portcullis_github_rate_limit_remaining",
    help: "x-ratelimit-remaining of the last GitHub response, by resource",
    labelNames: ["resource"] as const,
    registers: [this.registry],
  });

  constructor(
    queueDepth: () => number | Promise<number>,
    options: { processMetrics?: boolean } = {},
  ) {
    new Gauge({
      name: "portcullis_queue_depth",
      help: "Reviews waiting, running or waiting for a retry (on Redis: across replicas)",
      registers: [this.registry],
      async collect() {
        this.set(await queueDepth());
      },
    });
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: "portcullis_" });
  }

  recordFindings(findings: readonly Finding[]): void {
    for (const f of findings)
      this.findings.inc({ rule: f.rule, severity: f.severity, status: f.status.kind });
  }
}

interface HookableOctokit {
  hook: {
    after(
      name: "request",
      fn: (
        response: { status: number; headers: Record<string, unknown> },
        options: { method: string },
      ) => void,
    ): void;
    error(name: "request", fn: (error: unknown, options: { method: string }) => never): void;
  };
}

const instrumented = new WeakSet<object>();

/** Counts every request an Octokit makes and keeps the rate-limit headroom it reports (once per client). */
export function instrumentOctokit(octokit: HookableOctokit, metrics: Metrics): void {
  if (instrumented.has(octokit)) return;
  instrumented.add(octokit);
  octokit.hook.after("request", (response, options) => {
    metrics.githubRequests.inc({ method: options.method, status: String(response.status) });
    const remaining = Number(response.headers["x-ratelimit-remaining"]);
    if (Number.isFinite(remaining)) {
      metrics.rateLimitRemaining.set(
        { resource: String(response.headers["x-ratelimit-resource"] ?? "core") },
        remaining,
      );
    }
  });
  octokit.hook.error("request", (error, options) => {
    metrics.githubRequests.inc({
      method: options.method,
      status: String(httpStatus(error) ?? "error"),
    });
    throw error;
  });
}
