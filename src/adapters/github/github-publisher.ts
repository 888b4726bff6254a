// The review publisher over GitHub: check runs with batched annotations, one review with inline comments.
import { annotationBatches, fitCheck, type PolicyCheck } from "../../render/check-run.js";
import { GITHUB_LIMITS, fitText } from "../../render/github-limits.js";
import { fingerprintOfComment, type ReviewComment } from "../../render/review-comments.js";
import type { CheckHandle, ReviewPublisher } from "../../ports/review-publisher.js";
import type { Octokit } from "./github-source.js";
import { httpStatus } from "./http-status.js";

interface ReviewThread {
  readonly id: string;
  readonly isResolved: boolean;
  readonly path: string;
  readonly comments: { readonly nodes: readonly { readonly body: string }[] };
}

interface ThreadsPage {
  readonly repository: {
    readonly pullRequest: {
      readonly reviewThreads: {
        readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
        readonly nodes: readonly ReviewThread[];
      };
    };
  };
}

const THREADS_QUERY = `query($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved path comments(first: 1) { nodes { body } } }
      }
    }
  }
}`;

const RESOLVE_MUTATION = `mutation($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id } }
}`;

export interface PublisherTarget {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

export class GitHubReviewPublisher implements ReviewPublisher {
  constructor(
    private readonly octokit: Octokit,
    private readonly target: PublisherTarget,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async startCheck(name: string, headSha: string): Promise<CheckHandle> {
    const { data } = await this.octokit.rest.checks.create({
      owner: this.target.owner,
      repo: this.target.repo,
      name,
      head_sha: headSha,
      status: "in_progress",
      started_at: this.now().toISOString(),
    });
    return { id: data.id };
  }

  async postCompletedCheck(name: string, headSha: string, check: PolicyCheck): Promise<void> {
    const output = fitCheck(check);
    const [first = [], ...rest] = annotationBatches(output.annotations);
    const text = output.text === undefined ? {} : { text: output.text };
    const { data } = await this.octokit.rest.checks.create({
      owner: this.target.owner,
      repo: this.target.repo,
      name,
      head_sha: headSha,
      status: "completed",
      conclusion: output.conclusion,
      completed_at: this.now().toISOString(),
      output: { title: output.title, summary: output.summary, ...text, annotations: first },
    });
    for (const annotations of rest) {
      await this.octokit.rest.checks.update({
        owner: this.target.owner,
        repo: this.target.repo,
        check_run_id: data.id,
        output: { title: output.title, summary: output.summary, annotations },
      });
    }
  }

  async completeCheck(check: CheckHandle, result: PolicyCheck): Promise<void> {
    const output = fitCheck(result);
    const [first = [], ...rest] = annotationBatches(output.annotations);
    const base = { owner: this.target.owner, repo: this.target.repo, check_run_id: check.id };
    const text = output.text === undefined ? {} : { text: output.text };
    await this.octokit.rest.checks.update({
      ...base,
      status: "completed",
      conclusion: output.conclusion,
      completed_at: this.now().toISOString(),
      output: { title: output.title, summary: output.summary, ...text, annotations: first },
      ...(output.actions && output.actions.length > 0
        ? { actions: output.actions.map((a) => ({ ...a })) }
        : {}),
    });
    // Each further update appends its annotations to the completed run.
    for (const annotations of rest) {
      await this.octokit.rest.checks.update({
        ...base,
        output: { title: output.title, summary: output.summary, annotations },
      });
    }
  }

  /** Whether a check run is completed (a retried job leaves a completed one as it is). */
  async isCompleted(check: CheckHandle): Promise<boolean> {
    const { data } = await this.octokit.rest.checks.get({
      owner: this.target.owner,
      repo: this.target.repo,
      check_run_id: check.id,
    });
    return data.status === "completed";
  }

  /** The latest check run of each of `names` on `headSha`, by name (one page of 100: ours are among them). */
  async checksOn(
    headSha: string,
    names: readonly string[],
  ): Promise<Map<string, { id: number; completed: boolean }>> {
    const { data } = await this.octokit.rest.checks.listForRef({
      owner: this.target.owner,
      repo: this.target.repo,
      ref: headSha,
      filter: "latest",
      per_page: 100,
    });
    const found = new Map<string, { id: number; completed: boolean }>();
    for (const run of data.check_runs) {
      if (names.includes(run.name) && !found.has(run.name))
        found.set(run.name, { id: run.id, completed: run.status === "completed" });
    }
    return found;
  }

  /** Every review thread of the pull request, with the first comment of each (ours carry a fingerprint). */
  private async reviewThreads(): Promise<ReviewThread[]> {
    const threads: ReviewThread[] = [];
    let cursor: string | null = null;
    do {
      const result: ThreadsPage = await this.octokit.graphql<ThreadsPage>(THREADS_QUERY, {
        owner: this.target.owner,
        name: this.target.repo,
        number: this.target.number,
        cursor,
      });
      const page = result.repository.pullRequest.reviewThreads;
      threads.push(...page.nodes);
      cursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (cursor !== null);
    return threads;
  }

  async postReview(
    headSha: string,
    body: string,
    comments: readonly ReviewComment[],
    stillOpen: ReadonlySet<string>,
  ): Promise<{ posted: number; resolved: number }> {
    // Our earlier comments, by path and fingerprint, from the REST list (a read, not paced as a write).
    const posted = new Set<string>();
    for await (const page of this.octokit.paginate.iterator(
      this.octokit.rest.pulls.listReviewComments,
      {
        owner: this.target.owner,
        repo: this.target.repo,
        pull_number: this.target.number,
        per_page: 100,
      },
    )) {
      for (const c of page.data) {
        const fingerprint = fingerprintOfComment(c.body);
        if (fingerprint) posted.add(`${c.path}\u0000${fingerprint}`);
      }
    }
    // Threads of findings this push fixed are resolved; only then are the threads themselves read.
    let resolved = 0;
    if ([...posted].some((key) => !stillOpen.has(key))) {
      for (const thread of await this.reviewThreads()) {
        const fingerprint = fingerprintOfComment(thread.comments.nodes[0]?.body ?? "");
        if (
          !fingerprint ||
          thread.isResolved ||
          stillOpen.has(`${thread.path}\u0000${fingerprint}`)
        )
          continue;
        await this.octokit.graphql(RESOLVE_MUTATION, { threadId: thread.id });
        resolved++;
      }
    }
    const fresh = comments.filter((c) => {
      const fingerprint = fingerprintOfComment(c.body);
      return !fingerprint || !posted.has(`${c.path}\u0000${fingerprint}`);
    });
    if (fresh.length === 0) return { posted: 0, resolved };
    try {
      await this.octokit.rest.pulls.createReview({
        owner: this.target.owner,
        repo: this.target.repo,
        pull_number: this.target.number,
        commit_id: headSha,
        event: "COMMENT",
        body: fitText(body, GITHUB_LIMITS.commentBody),
        comments: fresh.map((c) => ({ ...c, body: fitText(c.body, GITHUB_LIMITS.commentBody) })),
      });
    } catch (err) {
      // A review is all or nothing: one comment GitHub will not anchor fails all of them. The
      // check run carries every finding as an annotation, so the review is left out, not retried.
      if (httpStatus(err) === 422) return { posted: 0, resolved };
      throw err;
    }
    return { posted: fresh.length, resolved };
  }
}
