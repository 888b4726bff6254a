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
import { ProbotOctokit } from "probot";
import { WRITE_BURST, WRITE_REFILL_MS } from "../../core/limits.js";

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

/**
 * Probot's Octokit with a write bucket per installation (a burst of 1 restores the plugin's strict
 * 1 s spacing).
 */
export function portcullisOctokit(lanes = new WriteLanes()): typeof ProbotOctokit {
  return ProbotOctokit.defaults(
    (options: { throttle?: ThrottleOptions; auth?: { installationId?: number | string } }) => {
      const throttle = options.throttle ?? {};
      if (throttle.enabled === false) return options;
      // Probot builds a webhook's Octokit (octokit-auth-probot's event auth) without a throttle id,
      // so every installation would share one lane ("no-id"); GitHub's limits are per installation.
      const installationId = options.auth?.installationId;
      const id = throttle.id ?? (installationId === undefined ? undefined : String(installationId));
      return {
        ...options,
        throttle: {
          ...throttle,
          ...(id === undefined ? {} : { id }),
          write: lanes.group(throttle),
        },
      };
    },
  ) as typeof ProbotOctokit;
}
