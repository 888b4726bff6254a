// Done when (issue 24), through the real server against the loopback GitHub stand-in: a pull request
// that tightens a policy shows the resources it would newly flag; one that breaks a policy's own
// test shows the failing test on its line (and fails the check); a repository whose base branch
// does not require Portcullis's checks says so, with the link to fix it.
import { OpaPolicyCompiler } from "../../src/engines/opa/user-policies.js";
import { POLICY_CHECK_NAME } from "../../src/render/check-run.js";
import { startE2eServer, type E2eServer } from "../support/e2e-server.js";
import {
  startGitHubStandIn,
  type GitHubStandIn,
  type StandInRepo,
  lastCompletedCheck,
} from "../support/github-stand-in.js";
import { responseBodyErrors, schemaRefusals } from "../support/openapi.js";
import { webhookExample } from "../support/webhooks.js";
import { RULES_REQUIRING_EVERYTHING } from "../support/branch-rules.js";

const opened = webhookExample("pull_request", "opened", 24);
const { number, base, head } = opened.pull_request;

/** Deployments need at least `min` replicas. */
const policy = (min: number) => `package main
import rego.v1

deny contains msg if {
  input.kind == "Deployment"
  input.spec.replicas < ${min}
  msg := sprintf("%s runs %d replicas, fewer than ${min}", [input.metadata.name, input.spec.replicas])
}
`;
const POLICY_TEST = `package main
import rego.v1

test_single_replica_denied if {
  count(deny) == 1 with input as {"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 1}}
}

test_two_replicas_allowed if {
  count(deny) == 0 with input as {"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 2}}
}
`;
const deployment = (name: string, replicas: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers: [{name: app, image: "ghcr.io/acme/app:1.0.0"}]\n`;
const MANIFESTS = {
  "apps/web.yaml": deployment("web", 2),
  "apps/api.yaml": deployment("api", 3),
};

interface CheckBody {
  conclusion?: string;
  output?: {
    title?: string;
    summary?: string;
    annotations?: { path: string; start_line: number; title: string }[];
  };
}

describe("a change to the repository's policies, through the real server", () => {
  let standIn: GitHubStandIn | undefined;
  let server: E2eServer | undefined;
  afterEach(async () => {
    await server?.close();
    await standIn?.close();
    server = standIn = undefined;
  });

  async function review(repo: Partial<StandInRepo> & Pick<StandInRepo, "files" | "changed">) {
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      validate: schemaRefusals,
      validateResponse: responseBodyErrors,
      ...repo,
    });
    server = await startE2eServer(standIn.url, { policyCompiler: new OpaPolicyCompiler() });
    expect(await server.send("pull_request", opened)).toBe(200);
    await server.queue.idle();
    expect(standIn.requests.filter((r) => r.refused)).toEqual([]);
    // The branch endpoints this feature added answer in GitHub's documented shapes.
    const branchAnswers = standIn.requests.filter((r) => /\/(rules\/)?branches\//.test(r.path));
    expect(branchAnswers.length).toBeGreaterThan(0);
    expect(branchAnswers.flatMap((r) => r.responseErrors ?? [])).toEqual([]);
    return lastCompletedCheck<CheckBody>(standIn.requests, POLICY_CHECK_NAME)!;
  }

  it("shows the resources a tightened policy would newly flag, linked to their lines, and keeps the base's verdict", async () => {
    const body = await review({
      files: {
        [base.sha]: { "policy/main.rego": policy(2), ...MANIFESTS },
        [head.sha]: { "policy/main.rego": policy(3), ...MANIFESTS },
      },
      changed: [{ filename: "policy/main.rego", status: "modified", patch: "@@ -6 +6 @@\n-a\n+b" }],
      branchRules: RULES_REQUIRING_EVERYTHING,
    });
    const summary = body.output!.summary!;
    expect(summary).toContain("### Impact of the policy change");
    expect(summary).toContain("1 policy judges differently");
    expect(summary).toMatch(
      /\*\*`main\.deny`\*\*: 1 newly flagged, 0 no longer flagged, 0 not evaluated/,
    );
    expect(summary).toContain(
      `newly flagged: [apps/web.yaml:2](https://127.0.0.1:${new URL(standIn!.url).port}/Codertocat/Hello-World/blob/${head.sha}/apps/web.yaml#L2) Deployment shop/web: web runs 2 replicas, fewer than 3`,
    );
    expect(summary).not.toContain("apps/api.yaml");
    // Informational: the base's policies judge, and no manifest changed.
    expect(body.conclusion).toBe("success");
    expect(summary).toContain("The policies have no tests of their own");
    // Rulesets require the checks, code owners' reviews and signed commits: nothing to say.
    expect(summary).not.toContain("The base branch");
  }, 90_000);

  it("shows a policy test the change breaks at its line, as an annotation, and fails the check", async () => {
    const body = await review({
      files: {
        [base.sha]: {
          "policy/main.rego": policy(2),
          "policy/main_test.rego": POLICY_TEST,
          ...MANIFESTS,
        },
        [head.sha]: {
          "policy/main.rego": policy(3),
          "policy/main_test.rego": POLICY_TEST,
          ...MANIFESTS,
        },
      },
      changed: [{ filename: "policy/main.rego", status: "modified", patch: "@@ -6 +6 @@\n-a\n+b" }],
      branchRules: RULES_REQUIRING_EVERYTHING,
    });
    expect(body.conclusion).toBe("failure");
    expect(body.output!.title).toMatch(/^The policies' own tests fail/);
    const summary = body.output!.summary!;
    expect(summary).toContain("### ❌ The policies' own tests fail at the head");
    expect(summary).toContain("1 passed, 1 failed");
    expect(summary).toMatch(
      /policy\/main_test\.rego#L8\) conftest `data\.main\.test_two_replicas_allowed` failed: the test rule is false or undefined/,
    );
    expect(summary).toMatch(
      /## ❌ Policy check failed[\s\S]*- the policies' own tests fail at the head/,
    );
    expect(body.output!.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: "policy/main_test.rego",
          start_line: 8,
          title: "Policy test failed: data.main.test_two_replicas_allowed",
        }),
      ]),
    );
  }, 90_000);

  it("says when the base branch does not require Portcullis's checks, code owners' reviews or signed commits", async () => {
    const body = await review({
      files: { [base.sha]: {}, [head.sha]: { "apps/web.yaml": deployment("web", 2) } },
      changed: [{ filename: "apps/web.yaml", status: "added", patch: "@@ -0,0 +1,12 @@\n+a" }],
      classicProtection: "forbidden",
    });
    const summary = body.output!.summary!;
    const web = `https://127.0.0.1:${new URL(standIn!.url).port}/Codertocat/Hello-World`;
    expect(summary).toContain("### ⚠️ The base branch `master` is not fully protected");
    expect(summary).toContain(
      "It does not require `Portcullis / policies`, `Portcullis / code owners`, `Portcullis / signed commits`",
    );
    expect(summary).toContain(`(${web}/settings/rules)`);
    expect(standIn!.requests.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        "/repos/Codertocat/Hello-World/rules/branches/master",
        "/repos/Codertocat/Hello-World/branches/master/protection",
        "/repos/Codertocat/Hello-World/branches/master",
      ]),
    );
    // Not a policy change: no tests, no impact.
    expect(summary).not.toContain("Impact of the policy change");
  }, 90_000);
});
