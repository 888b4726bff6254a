// The Octokit class the app runs with: Probot's, with GitHub's write pacing as a token bucket.
//
// Octokit's throttling plugin spaces every write (and every GraphQL query) of an installation at
// least 1 s apart. GitHub's documented secondary limits are per minute (at most 80
// content-creating requests and 900 REST points per minute, 2,000 GraphQL points per minute), so a
// short burst is allowed while a sustained stream is not. A bucket of WRITE_BURST writes per
// installation, refilled by one a second, keeps the long-run rate at 60 writes a minute (under the
// 80 a minute GitHub allows) and lets one review (create check, read contents, complete check,
// post review) go out without waiting. Secondary-limit answers are still retried by the plugin
// with GitHub's `retry-after`.
import Bottleneck from "bottleneck";
import type { Octokit } from "./github-source.js";
import { ProbotOctokit } from "probot";
import {
  MAX_RATE_LIMIT_WAIT_S,
  PRIMARY_LIMIT_RETRIES,
  SECONDARY_LIMIT_RETRIES,
  WRITE_BURST,
  WRITE_REFILL_MS,
} from "../../core/limits.js";

interface ThrottleOptions {
  readonly connection?: Bottleneck.IORedisConnection | Bottleneck.RedisConnection;
  readonly timeout?: number;
  readonly [key: string]: unknown;
}

/**
 * The write buckets of one server: one Bottleneck group per process (or per Redis connection, so
 * replicas share it), keyed by installation like the plugin's own groups.
 */
export class WriteLanes {
  readonly #groups = new WeakMap<object, Bottleneck.Group>();
  readonly #local = {};

  constructor(readonly burst = WRITE_BURST) {}

  group(throttle: ThrottleOptions = {}): Bottleneck.Group {
    const owner = throttle.connection ?? this.#local;
    let group = this.#groups.get(owner);
    if (!group) {
      group = new Bottleneck.Group({
        id: "portcullis-write",
        maxConcurrent: 1,
        reservoir: this.burst,
        reservoirIncreaseInterval: WRITE_REFILL_MS,
        reservoirIncreaseAmount: 1,
        reservoirIncreaseMaximum: this.burst,
        timeout: throttle.timeout ?? 120_000,
        ...(throttle.connection ? { datastore: "ioredis", connection: throttle.connection } : {}),
      });
      this.#groups.set(owner, group);
    }
    return group;
  }
}

export interface RetryOptions {
  /** The unit of retry delays in ms (plugin-retry waits 1, 4, 9 units; a rate limit its retry-after in units). */
  readonly baseMs?: number;
}

type LimitHandler = (
  retryAfter: number,
  options: { method: string; url: string },
  octokit: { log: { warn(message: string): void } },
  retryCount: number,
) => boolean;

/**
 * Rate limits: GitHub's `retry-after` is honoured (the throttling plugin waits it out) a bounded
 * number of times when the wait is short; otherwise the request fails and the check says why.
 * (Probot's own handler never retries a secondary limit.)
 */
function limitHandler(kind: string, retries: number): LimitHandler {
  return (retryAfter, options, octokit, retryCount) => {
    const retry = retryCount < retries && retryAfter <= MAX_RATE_LIMIT_WAIT_S;
    octokit.log.warn(
      `${kind} rate limit on ${options.method} ${options.url}: ${retry ? `retrying in ${retryAfter} s` : "giving up"}`,
    );
    return retry;
  };
}

/**
 * Probot's Octokit with a write bucket per installation (a burst of 1 restores the plugin's strict
 * 1 s spacing) and bounded retries of rate limits.
 */
export function portcullisOctokit(
  lanes = new WriteLanes(),
  retry: RetryOptions = {},
): typeof ProbotOctokit {
  return ProbotOctokit.defaults(
    (options: {
      throttle?: ThrottleOptions;
      retry?: Record<string, unknown>;
      auth?: { installationId?: number | string };
    }) => {
      const throttle = options.throttle ?? {};
      const base = retry.baseMs === undefined ? {} : { retryAfterBaseValue: retry.baseMs };
      if (throttle.enabled === false) return options;
      // Probot builds a webhook's Octokit (octokit-auth-probot's event auth) without a throttle id,
      // so every installation would share one lane ("no-id"); GitHub's limits are per installation.
      const installationId = options.auth?.installationId;
      const id = throttle.id ?? (installationId === undefined ? undefined : String(installationId));
      return {
        ...options,
        retry: { ...options.retry, ...base },
        throttle: {
          ...throttle,
          ...base,
          ...(id === undefined ? {} : { id }),
          write: lanes.group(throttle),
          onRateLimit: limitHandler("primary", PRIMARY_LIMIT_RETRIES),
          onSecondaryRateLimit: limitHandler("secondary", SECONDARY_LIMIT_RETRIES),
        },
      };
    },
  ) as typeof ProbotOctokit;
}

/**
 * One job's Octokit stops waiting on a GitHub that keeps failing: once a request has failed with
 * a server error (5xx, or no answer) after all its retries, every further request of the job is
 * tried once. Under a persistent outage a review's three checks so end within one request's
 * retries (1 + 4 + 9 s), not one such wait per request.
 */
export function failFastAfterOutage(octokit: Pick<Octokit, "hook">): void {
  let outage = false;
  octokit.hook.wrap("request", async (request, options) => {
    if (outage) options.request = { ...options.request, retries: 0 } as typeof options.request;
    try {
      return await request(options);
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === undefined || status >= 500) outage = true;
      throw err;
    }
  });
}
