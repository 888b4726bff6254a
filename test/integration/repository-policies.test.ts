// The repository's own policies in the app, through probot.receive() against the loopback GitHub
// stand-in: read from the base commit, given the pull request (approvals and the approvers' teams),
// re-run when a review arrives, and a broken policy fails at its own line while the catalogue runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Probot } from "probot";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { OpaPolicyCompiler } from "../../src/engines/opa/user-policies.js";
import {
  IsolatedPolicyCompiler,
  PolicyWorkerPool,
} from "../../src/engines/opa/isolated-policies.js";
import type {
  ConftestPolicies,
  RepositoryPolicyCompiler,
} from "../../src/ports/policy-compiler.js";
import { POLICY_CHECK_NAME } from "../../src/render/check-run.js";
import { ReviewQueue } from "../../src/review/review-queue.js";
import type { ReviewTask } from "../../src/jobs/review-jobs.js";
import { bundle } from "../support/engine.js";
import {
  startGitHubStandIn,
  type GitHubStandIn,
  type RecordedRequest,
} from "../support/github-stand-in.js";
import { appOn, webhookExample } from "../support/webhooks.js";

const example = webhookExample;

/** The documented example policy, exactly as the example repository holds it. */
const EXAMPLE_POLICY = readFileSync(
  join(packageRoot(), "examples/fleet/policy/privileged-needs-security.rego"),
  "utf8",
);
const CONFIG = `codeOwners: { enabled: false }
signedCommits: { enabled: false }
policies:
  teams: [acme/security]
`;
const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  namespace: ops
spec:
  template:
    spec:
      containers:
        - name: agent
          image: ghcr.io/acme/agent:1.0.0
          securityContext:
            privileged: true
`;

interface CheckBody {
  name?: string;
  status?: string;
  conclusion?: string;
  output?: {
    summary: string;
    annotations: { path: string; start_line: number; title: string; message: string }[];
  };
}

describe("repository policies in the app", () => {
  const opened = example("pull_request", "opened");
  const { number, base, head } = opened.pull_request;
  let standIn: GitHubStandIn;
  let reviews: unknown[];
  let files: Record<string, Record<string, string>>;

  function newProbot(
    queue: ReviewQueue<ReviewTask>,
    policyCompiler: RepositoryPolicyCompiler = new OpaPolicyCompiler(),
  ): Probot {
    // The server's own Octokit class: throttled as in production, with its write bucket.
    const probot = appOn(standIn.url, {
      bundle: bundle(),
      queue,
      fixCommits: false,
      today: () => "2026-06-01",
      policyCompiler,
    });
    return probot;
  }

  /** Delivers a pull_request.opened and returns the completed policy check. */
  async function review(delivery: string, compiler?: RepositoryPolicyCompiler): Promise<CheckBody> {
    const queue = new ReviewQueue<ReviewTask>(1);
    const before = standIn.requests.length;
    await newProbot(queue, compiler).receive({
      id: delivery,
      name: "pull_request",
      payload: opened,
    } as never);
    await queue.idle();
    const completed = standIn.requests
      .slice(before)
      .filter((r: RecordedRequest) => r.method === "PATCH")
      .map((r) => r.body as CheckBody)
      .find((b) => b.status === "completed");
    if (!completed) throw new Error("the policy check was never completed");
    return completed;
  }

  const repositoryFindings = (check: CheckBody) =>
    (check.output?.annotations ?? []).filter((a) => a.title.includes("main.deny"));

  beforeEach(async () => {
    reviews = [];
    files = {
      [base.sha]: {
        ".github/portcullis.yml": CONFIG,
        "policy/privileged-needs-security.rego": EXAMPLE_POLICY,
      },
      [head.sha]: {
        ".github/portcullis.yml": CONFIG,
        "policy/privileged-needs-security.rego": EXAMPLE_POLICY,
        "apps/agent.yaml": MANIFEST,
      },
    };
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files,
      changed: [{ filename: "apps/agent.yaml", status: "added" }],
      reviews,
      teams: { "acme/security": ["sam"] },
      pullRequest: opened.pull_request,
    });
  });
  afterEach(async () => standIn.close());

  it("fails a privileged container without the security team's approval, at the privileged line", async () => {
    const check = await review("d-1");
    expect(check.conclusion).toBe("failure");
    const found = repositoryFindings(check);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: "apps/agent.yaml", start_line: 13 });
    expect(found[0]!.message).toContain(
      'container "agent" is privileged, which needs an approval from @acme/security',
    );
    expect(check.output!.summary).toContain("`policy/privileged-needs-security.rego`");
    // The approver's teams were looked up for the policy.
    expect(standIn.requests.some((r) => r.path === "/orgs/acme/teams/security/members")).toBe(true);
  });

  it("passes the repository rule once a security team member approved the head commit", async () => {
    reviews.push({
      user: { login: "sam" },
      state: "APPROVED",
      commit_id: head.sha,
      submitted_at: "2026-06-01T10:00:00Z",
    });
    const check = await review("d-2");
    expect(repositoryFindings(check)).toEqual([]);
    // The built-in catalogue still reports the privileged container (PCK001).
    expect(check.output!.annotations.some((a) => a.title.includes("PCK001"))).toBe(true);
  });

  it("does not count an approval from outside the team, or one given on an older commit", async () => {
    reviews.push(
      {
        user: { login: "dev" },
        state: "APPROVED",
        commit_id: head.sha,
        submitted_at: "2026-06-01T10:00:00Z",
      },
      {
        user: { login: "sam" },
        state: "APPROVED",
        commit_id: base.sha,
        submitted_at: "2026-06-01T09:00:00Z",
      },
    );
    expect(repositoryFindings(await review("d-3"))).toHaveLength(1);
  });

  it("judges a pull request that weakens the policy by the base's policy", async () => {
    files[head.sha]!["policy/privileged-needs-security.rego"] = "package main\n";
    expect(repositoryFindings(await review("d-4"))).toHaveLength(1);
  });

  it("compiles the base's policies in the Rego version its configuration names", async () => {
    files[base.sha]![".github/portcullis.yml"] = `${CONFIG}  regoVersion: v1\n`;
    class Recording extends OpaPolicyCompiler {
      readonly versions: unknown[] = [];
      override async conftest(policies: ConftestPolicies) {
        this.versions.push(policies.regoVersion);
        return super.conftest(policies);
      }
    }
    const compiler = new Recording();
    expect(repositoryFindings(await review("d-rego", compiler))).toHaveLength(1);
    expect(compiler.versions).toEqual(["v1"]);
  });

  it("fails a policy that does not compile at its own line, and still runs the catalogue", async () => {
    files[base.sha]!["policy/broken.rego"] =
      "package main\n\nimport rego.v1\n\ndeny contains msg if {\n  msg := unknown_thing\n}\n";
    const check = await review("d-5");
    expect(check.conclusion).toBe("failure");
    const error = check.output!.annotations.find((a) => a.path === "policy/broken.rego");
    expect(error).toMatchObject({ start_line: 6 });
    expect(error!.message).toContain("unknown_thing");
    expect(check.output!.annotations.some((a) => a.title.includes("PCK001"))).toBe(true);
  });

  it("stops a runaway policy in its worker and fails the check with the reason, catalogue intact", async () => {
    // Billions of steps that allocate nothing: the time limit stops it, never wasm's memory cap
    // (a billion-element range raced the two: on a quiet machine the memory cap came first).
    files[base.sha]!["policy/runaway.rego"] =
      'package main\n\nimport rego.v1\n\ndeny contains "never" if {\n  r := numbers.range(1, 40000)\n  some i in r\n  some j in r\n  i == j\n  i < 0\n}\n';
    const pool = new PolicyWorkerPool({ size: 1, timeLimitMs: 1_000 });
    try {
      const check = await review("d-7", new IsolatedPolicyCompiler(pool));
      expect(check.conclusion).toBe("failure");
      const stopped = check.output!.annotations.find((a) =>
        a.message.includes("repository policy stopped: it ran longer than 1 s"),
      );
      expect(stopped).toMatchObject({ path: "apps/agent.yaml", start_line: 2 });
      expect(check.output!.annotations.some((a) => a.title.includes("PCK001"))).toBe(true);
    } finally {
      await pool.close();
    }
  }, 20_000);

  it("runs the policy check again when a review is submitted, since the policies read approvals", async () => {
    reviews.push({
      user: { login: "sam" },
      state: "APPROVED",
      commit_id: head.sha,
      submitted_at: "2026-06-01T10:00:00Z",
    });
    const payload = {
      ...example("pull_request_review", "submitted"),
      pull_request: opened.pull_request,
    };
    const queue = new ReviewQueue<ReviewTask>(1);
    await newProbot(queue).receive({ id: "d-6", name: "pull_request_review", payload } as never);
    await queue.idle();
    const created = standIn.requests
      .filter((r) => r.method === "POST" && r.path.endsWith("/check-runs"))
      .map((r) => (r.body as CheckBody).name);
    expect(created).toContain(POLICY_CHECK_NAME);
    const completed = standIn.requests
      .filter((r) => r.method === "PATCH")
      .map((r) => r.body as CheckBody)
      .find((b) => b.status === "completed");
    expect(completed).toBeDefined();
    expect(repositoryFindings(completed!)).toEqual([]);
  });
});

describe("Gatekeeper constraints in the app", () => {
  const fixture = (p: string) =>
    readFileSync(join(packageRoot(), "test/fixtures/gatekeeper/requiredlabels", p), "utf8");
  const opened = example("pull_request", "opened");
  const { number, base, head } = opened.pull_request;
  const deployment = (name: string, namespace: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/app:1.0.0\n`;
  const policies = {
    ".github/portcullis.yml":
      "codeOwners: { enabled: false }\nsignedCommits: { enabled: false }\npolicies:\n  gatekeeper: [platform/gatekeeper]\n",
    "platform/gatekeeper/template.yaml": fixture("template.yaml"),
    "platform/gatekeeper/must-have-owner.yaml": fixture("samples/must-have-owner/constraint.yaml"),
    "clusters/namespaces.yaml": fixture("samples/namespaces.yaml"),
  };

  /** Reviews a change to the head files given; returns the Gatekeeper annotations. */
  async function review(
    headFiles: Record<string, string>,
    changed: { filename: string; status: string }[],
  ) {
    const standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: { [base.sha]: policies, [head.sha]: { ...policies, ...headFiles } },
      changed,
    });
    try {
      const queue = new ReviewQueue<ReviewTask>(1);
      const probot = appOn(standIn.url, {
        bundle: bundle(),
        queue,
        fixCommits: false,
        today: () => "2026-06-01",
        policyCompiler: new OpaPolicyCompiler(),
      });
      await probot.receive({
        id: `gk-${Math.random()}`,
        name: "pull_request",
        payload: opened,
      } as never);
      await queue.idle();
      const completed = standIn.requests
        .map((r) => r.body as CheckBody)
        .find((b) => b?.status === "completed");
      return (completed?.output?.annotations ?? []).filter((a) =>
        a.title.includes("K8sRequiredOwnerLabels/must-have-owner"),
      );
    } finally {
      await standIn.close();
    }
  }

  it("evaluates the base's constraints on the changed objects, with namespaces from the repository", async () => {
    const gatekeeper = await review(
      {
        // The change also tries to drop the constraint: the base's version is the one in force.
        "platform/gatekeeper/must-have-owner.yaml": "",
        "apps/shop.yaml": deployment("cart", "shop"),
        "apps/sandbox.yaml": deployment("toy", "sandbox"),
      },
      [
        { filename: "apps/shop.yaml", status: "added" },
        { filename: "apps/sandbox.yaml", status: "added" },
        { filename: "platform/gatekeeper/must-have-owner.yaml", status: "modified" },
      ],
    );
    // Only the Deployment in the production namespace is selected.
    expect(gatekeeper.map((a) => [a.path, a.start_line])).toEqual([["apps/shop.yaml", 2]]);
    expect(gatekeeper[0]!.message).toContain("Deployment cart must have the label(s) owner");
  });

  it("does not let a change relabel its Namespace out of a constraint's selector", async () => {
    const relabelled = fixture("samples/namespaces.yaml").replace(
      "environment: production",
      "environment: staging",
    );
    expect(relabelled).not.toEqual(fixture("samples/namespaces.yaml"));
    const gatekeeper = await review(
      { "clusters/namespaces.yaml": relabelled, "apps/shop.yaml": deployment("cart", "shop") },
      [
        { filename: "clusters/namespaces.yaml", status: "modified" },
        { filename: "apps/shop.yaml", status: "added" },
      ],
    );
    // The cluster has shop labelled production until this change lands: still selected.
    expect(gatekeeper.map((a) => [a.path, a.start_line])).toEqual([["apps/shop.yaml", 2]]);
  });
});
