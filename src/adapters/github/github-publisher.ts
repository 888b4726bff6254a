// The review publisher over GitHub: check runs with batched annotations, one review with inline comments.
import { annotationBatches, type PolicyCheck } from "../../render/check-run.js";
import { fingerprintOfComment, type ReviewComment } from "../../render/review-comments.js";
import type { CheckHandle, ReviewPublisher } from "../../ports/review-publisher.js";
import type { Octokit } from "./github-source.js";

export interface PublisherTarget {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

function status(err: unknown): number | undefined {
  return typeof err === "object" && err !== null ? (err as { status?: number }).status : undefined;
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

  async completeCheck(check: CheckHandle, output: PolicyCheck): Promise<void> {
    const [first = [], ...rest] = annotationBatches(output.annotations);
    const base = { owner: this.target.owner, repo: this.target.repo, check_run_id: check.id };
    const text = output.text === undefined ? {} : { text: output.text };
    await this.octokit.rest.checks.update({
      ...base,
      status: "completed",
      conclusion: output.conclusion,
      completed_at: this.now().toISOString(),
      output: { title: output.title, summary: output.summary, ...text, annotations: first },
    });
    // Each further update appends its annotations to the completed run.
    for (const annotations of rest) {
      await this.octokit.rest.checks.update({
        ...base,
        output: { title: output.title, summary: output.summary, annotations },
      });
    }
  }

  async postReview(
    headSha: string,
    body: string,
    comments: readonly ReviewComment[],
  ): Promise<number> {
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
    const fresh = comments.filter((c) => {
      const fingerprint = fingerprintOfComment(c.body);
      return !fingerprint || !posted.has(`${c.path}\u0000${fingerprint}`);
    });
    if (fresh.length === 0) return 0;
    try {
      await this.octokit.rest.pulls.createReview({
        owner: this.target.owner,
        repo: this.target.repo,
        pull_number: this.target.number,
        commit_id: headSha,
        event: "COMMENT",
        body,
        comments: fresh.map((c) => ({ ...c })),
      });
    } catch (err) {
      // A review is all or nothing: one comment GitHub will not anchor fails all of them. The
      // check run carries every finding as an annotation, so the review is left out, not retried.
      if (status(err) === 422) return 0;
      throw err;
    }
    return fresh.length;
  }
}
