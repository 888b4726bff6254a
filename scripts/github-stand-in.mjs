// A loopback stand-in for the parts of GitHub's API a review uses: real HTTP, recorded requests.
import { createServer } from "node:http";

/** What GitHub lists of a pull request's files (pulls/list-files: "a maximum of 3000 files"). */
const LISTED_FILES = 3000;
const bytes = (text) => Buffer.byteLength(text ?? "", "utf8");

/**
 * GitHub's limits on what the app posts, as GitHub enforces them (422 "Validation Failed"):
 * check-run output summary and text 65,535, 50 annotations a request, annotation title 255 and
 * message and raw_details 64 KB, 3 actions (label 20, description 40, identifier 20), review and
 * comment bodies 65,536. Measured in UTF-8 bytes, the stricter reading.
 */
export function githubRefusals(method, path, body) {
  const errors = [];
  const over = (what, text, max) => {
    if (typeof text === "string" && bytes(text) > max)
      errors.push(
        `${what} is too long (maximum is ${max} characters; ${bytes(text)} were supplied)`,
      );
  };
  if (/\/check-runs(\/\d+)?$/.test(path) && (method === "POST" || method === "PATCH")) {
    const output = body?.output;
    if (output) {
      over("output.summary", output.summary, 65535);
      over("output.text", output.text, 65535);
      const annotations = output.annotations ?? [];
      if (annotations.length > 50)
        errors.push(`No more than 50 items are allowed; ${annotations.length} were supplied.`);
      for (const a of annotations) {
        over("annotation title", a.title, 255);
        over("annotation message", a.message, 65535);
        over("annotation raw_details", a.raw_details, 65535);
        if (!(a.start_line >= 1) || !(a.end_line >= a.start_line))
          errors.push(`annotation lines ${a.start_line}-${a.end_line} are not a range`);
      }
    }
    const actions = body?.actions ?? [];
    if (actions.length > 3) errors.push(`No more than 3 actions are allowed`);
    for (const a of actions) {
      over("action label", a.label, 20);
      over("action description", a.description, 40);
      over("action identifier", a.identifier, 20);
    }
  }
  if (method === "POST" && /\/pulls\/\d+\/reviews$/.test(path)) {
    over("body", body?.body, 65536);
    for (const c of body?.comments ?? []) over("comment body", c.body, 65536);
  }
  return errors;
}

/**
 * A branch's protection as GitHub answers an app: the rules of its rulesets (`branchRules`, [] by
 * default), classic protection (`classicProtection`: the protected-branch object; "forbidden" for
 * an app without `administration: read`; none: 404 "Branch not protected"), and the branch itself
 * (its `protection.required_status_checks`, readable with `metadata: read`).
 */
function branchProtectionRoute(repo, prefix, method, path, origin) {
  if (method !== "GET") return undefined;
  const rules = new RegExp(`^${prefix}/rules/branches/(.+)$`).exec(path);
  if (rules) return [200, repo.branchRules ?? []];
  const protection = new RegExp(`^${prefix}/branches/([^/]+)/protection$`).exec(path);
  if (protection) {
    if (repo.classicProtection === "forbidden")
      return [403, { message: "Resource not accessible by integration", status: "403" }];
    if (!repo.classicProtection) return [404, { message: "Branch not protected", status: "404" }];
    return [200, repo.classicProtection];
  }
  const branch = new RegExp(`^${prefix}/branches/([^/]+)$`).exec(path);
  if (!branch) return undefined;
  const name = decodeURIComponent(branch[1]);
  const api = `${origin}${prefix}`;
  const sha = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
  const checks = repo.classicProtection?.required_status_checks ?? repo.branchRequiredChecks;
  const person = { name: "Octocat", email: "octocat@example.com", date: "2026-06-01T00:00:00Z" };
  return [
    200,
    {
      name,
      commit: {
        url: `${api}/commits/${sha}`,
        sha,
        node_id: "C_stand-in",
        html_url: `${origin}/${repo.owner}/${repo.repo}/commit/${sha}`,
        comments_url: `${api}/commits/${sha}/comments`,
        commit: {
          url: `${api}/git/commits/${sha}`,
          author: person,
          committer: person,
          message: "stand-in",
          comment_count: 0,
          tree: { sha, url: `${api}/git/trees/${sha}` },
        },
        author: null,
        committer: null,
        parents: [],
      },
      _links: {
        html: `${origin}/${repo.owner}/${repo.repo}/tree/${name}`,
        self: `${api}/branches/${name}`,
      },
      protected: Boolean(repo.classicProtection || checks),
      protection: {
        enabled: Boolean(repo.classicProtection || checks),
        ...(checks
          ? {
              required_status_checks: {
                enforcement_level: "non_admins",
                contexts: checks.contexts ?? [],
                checks:
                  checks.checks ??
                  (checks.contexts ?? []).map((context) => ({ context, app_id: null })),
              },
            }
          : {}),
      },
      protection_url: `${api}/branches/${name}/protection`,
    },
  ];
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => resolve(body));
  });
}

// Several pull requests: their changed files by number (the one of `repo.number` by default).
function changedOf(repo, number) {
  return repo.pulls?.[number]?.changed ?? (number === repo.number ? repo.changed : undefined);
}

/**
 * One route table over the stand-in's state, in GitHub's API areas; the first that answers wins.
 * GitHub Enterprise Server's paths (Probot's GHE_HOST): /api/v3/... and /api/graphql.
 */
function route(s, method, url, body) {
  const path = url.pathname.replace(/^\/api\/v3(?=\/)/, "").replace(/^\/api\/graphql$/, "/graphql");
  return (
    checkRoutes(s, method, path, body) ??
    gitDataRoutes(s, method, path, body) ??
    pullRoutes(s, method, path, url) ??
    orgRoutes(s, method, path, body) ?? [404, { message: `stand-in has no ${method} ${path}` }]
  );
}

/** Installation tokens, check runs, and what a commit's pull requests and check runs are. */
function checkRoutes(s, method, path, body) {
  const { repo, prefix, checkRuns } = s;
  if (method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
    return [201, { token: "stand-in-token", expires_at: "2099-01-01T00:00:00Z", permissions: {} }];
  }
  if (method === "POST" && path === `${prefix}/check-runs`) {
    checkRuns.set(++s.checkRunId, {
      id: s.checkRunId,
      name: body?.name,
      head_sha: body?.head_sha,
      status: body?.status ?? "queued",
      conclusion: body?.conclusion ?? null,
    });
    return [201, checkRuns.get(s.checkRunId)];
  }
  const run = new RegExp(`^${prefix}/check-runs/(\\d+)$`).exec(path);
  if (run && (method === "PATCH" || method === "GET")) {
    const known = checkRuns.get(Number(run[1]));
    if (!known) return [404, { message: "Not Found" }];
    if (method === "PATCH" && body?.status) known.status = body.status;
    if (method === "PATCH" && body?.conclusion) {
      known.conclusion = body.conclusion;
      known.status = "completed";
    }
    return [200, known];
  }
  const commitPulls = new RegExp(`^${prefix}/commits/([^/]+)/pulls$`).exec(path);
  if (method === "GET" && commitPulls) {
    const pr = repo.pullRequest;
    return [200, pr?.head?.sha === commitPulls[1] ? [{ ...pr, state: pr.state ?? "open" }] : []];
  }
  const forRef = new RegExp(`^${prefix}/commits/([^/]+)/check-runs$`).exec(path);
  if (method === "GET" && forRef) {
    // Newest first, the latest run of each name (filter=latest).
    const runs = [...checkRuns.values()].filter((r) => r.head_sha === forRef[1]).reverse();
    const latest = runs.filter((r, i) => runs.findIndex((x) => x.name === r.name) === i);
    return [200, { total_count: latest.length, check_runs: latest }];
  }
  return undefined;
}

/** The Git data API, for "Apply fixes": a tree on a commit's, a commit, a fast-forward ref update. */
function gitDataRoutes(s, method, path, body) {
  const { repo, prefix, created } = s;
  const gitCommit = new RegExp(`^${prefix}/git/commits/([0-9a-f]+)$`).exec(path);
  if (method === "GET" && gitCommit)
    return [200, { sha: gitCommit[1], tree: { sha: `tree-of-${gitCommit[1]}` } }];
  if (method === "POST" && path === `${prefix}/git/trees`) {
    const sha = `${created.trees.size + 1}`.padStart(40, "a");
    created.trees.set(sha, body);
    return [201, { sha, tree: [] }];
  }
  if (method === "POST" && path === `${prefix}/git/commits`) {
    if (!created.trees.has(body?.tree)) return [422, { message: "Tree SHA does not exist" }];
    const sha = `${created.commits.size + 1}`.padStart(40, "c");
    created.commits.set(sha, body);
    return [201, { sha }];
  }
  const ref = new RegExp(`^${prefix}/git/refs/(.+)$`).exec(path);
  if (method === "PATCH" && ref) {
    const commit = created.commits.get(body?.sha);
    if (!commit) return [422, { message: "Object does not exist" }];
    const current = created.refs.get(decodeURIComponent(ref[1])) ?? repo.pullRequest?.head?.sha;
    if (!body.force && current !== undefined && !commit.parents.includes(current))
      return [422, { message: "Update is not a fast forward" }];
    created.refs.set(decodeURIComponent(ref[1]), body.sha);
    return [200, { ref: `refs/${ref[1]}`, object: { sha: body.sha, type: "commit" } }];
  }
  return undefined;
}

/** File contents and trees, and a pull request with its files, reviews, comments and commits. */
function pullRoutes(s, method, path, url) {
  const { repo, prefix } = s;
  if (method === "GET" && path.startsWith(`${prefix}/contents/`)) {
    const file = decodeURIComponent(path.slice(`${prefix}/contents/`.length));
    const text = repo.files[url.searchParams.get("ref") ?? ""]?.[file];
    if (text === undefined) return [404, { message: "Not Found" }];
    return [
      200,
      {
        type: "file",
        encoding: "base64",
        content: Buffer.from(text).toString("base64"),
        sha: "0",
      },
    ];
  }
  const files = new RegExp(`^${prefix}/pulls/(\\d+)/files$`).exec(path);
  if (method === "GET" && files && changedOf(repo, Number(files[1]))) {
    const page = Number(url.searchParams.get("page") ?? "1");
    const perPage = Number(url.searchParams.get("per_page") ?? "30");
    const listed = changedOf(repo, Number(files[1])).slice(0, LISTED_FILES);
    // GitHub's pagination: a Link header names the next page while there is one.
    const next = new URL(url);
    next.searchParams.set("page", String(page + 1));
    const link =
      page * perPage < listed.length
        ? { link: `<${s.origin}${next.pathname}${next.search}>; rel="next"` }
        : {};
    return [200, listed.slice((page - 1) * perPage, page * perPage), link];
  }
  if (method === "GET" && path.startsWith(`${prefix}/git/trees/`)) {
    const commit = path.split("/").pop();
    return [
      200,
      {
        sha: commit,
        truncated: false,
        tree: Object.keys(repo.files[commit] ?? {}).map((p) => ({ path: p, type: "blob" })),
      },
    ];
  }
  const pr = new RegExp(`^${prefix}/pulls/(\\d+)$`).exec(path);
  if (method === "GET" && pr) {
    const number = Number(pr[1]);
    const data =
      repo.pulls?.[number]?.pr ?? (number === repo.number ? repo.pullRequest : undefined);
    return data ? [200, data] : [404, { message: "Not Found" }];
  }
  const pull = new RegExp(`^${prefix}/pulls/(\\d+)/(reviews|comments|commits)$`).exec(path);
  if (pull && changedOf(repo, Number(pull[1]))) {
    if (method === "POST" && pull[2] === "reviews") return [200, { id: 1 }];
    if (method === "GET" && pull[2] === "comments") return [200, []];
    if (method === "GET" && pull[2] === "reviews") return [200, repo.reviews ?? []];
    if (method === "GET" && pull[2] === "commits") return [200, repo.commits ?? []];
  }
  return undefined;
}

/** CODEOWNERS errors, branch protection, team members, and the GraphQL queries a review sends. */
function orgRoutes(s, method, path, body) {
  const { repo, prefix } = s;
  if (method === "GET" && path === `${prefix}/codeowners/errors`) return [200, { errors: [] }];
  const branchRoute = branchProtectionRoute(repo, prefix, method, path, s.origin);
  if (branchRoute) return branchRoute;
  const team = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/members$/.exec(path);
  if (method === "GET" && team) {
    const members = repo.teams?.[`${team[1]}/${team[2]}`];
    if (members === undefined) return [404, { message: "Not Found" }];
    return [200, members.map((login) => ({ login }))];
  }
  if (method === "POST" && path === "/graphql" && body.query.includes("reviewThreads")) {
    const reviewThreads = { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] };
    return [200, { data: { repository: { pullRequest: { reviewThreads } } } }];
  }
  if (method === "POST" && path === "/graphql") {
    const { variables } = body;
    const repository = {};
    for (const [key, expression] of Object.entries(variables)) {
      if (!/^e\d+$/.test(key)) continue;
      const [commit, ...rest] = expression.split(":");
      const text = repo.files[commit]?.[rest.join(":")];
      repository[`f${key.slice(1)}`] =
        text === undefined ? null : { oid: "0", isBinary: false, isTruncated: false, text };
    }
    return [200, { data: { repository } }];
  }
  return undefined;
}

/**
 * Answers one request: records it, plays an injected fault when one matches, refuses what GitHub
 * would refuse, else routes it; then wakes whoever waits for such a request.
 */
async function answer(s, req, res) {
  const raw = await readBody(req);
  const url = new URL(req.url ?? "/", "http://stand-in");
  const body = raw ? JSON.parse(raw) : undefined;
  const method = req.method ?? "GET";
  const fault = s.faults.find(
    (f) =>
      f.left > 0 &&
      f.method === method &&
      new RegExp(f.path).test(url.pathname) &&
      (f.body === undefined || raw.includes(f.body)),
  );
  const recorded = { method, path: url.pathname, body, at: Date.now(), fault: Boolean(fault) };
  if (method === "PATCH" && /\/check-runs\/\d+$/.test(url.pathname))
    recorded.checkRun = { ...s.checkRuns.get(Number(url.pathname.split("/").pop())) };
  s.requests.push(recorded);
  const notify = () => {
    for (const w of s.waiters.filter((w) => w.predicate(recorded))) {
      s.waiters.splice(s.waiters.indexOf(w), 1);
      w.resolve(recorded);
    }
  };
  if (fault) {
    fault.left--;
    notify();
    if (fault.hang) return; // never answered (the client's process is expected to die)
    if (fault.reset) {
      req.socket.destroy();
      return;
    }
    res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
    res.end(JSON.stringify({ message: fault.message ?? `injected ${fault.status}` }));
    return;
  }
  // GitHub's validation: its OpenAPI schema (when the test supplies a validator) and its limits.
  const refused = [
    ...(s.repo.validate && method !== "GET" && !/graphql$/.test(url.pathname)
      ? s.repo.validate(method, url.pathname.replace(/^\/api\/v3(?=\/)/, ""), body)
      : []),
    ...githubRefusals(method, url.pathname, body),
  ];
  recorded.refused = refused.length > 0 ? refused : undefined;
  const [status, payload, headers] =
    refused.length > 0
      ? [422, { message: "Validation Failed", errors: refused }]
      : route(s, method, url, body);
  // GitHub's response shapes, where the test checks what the stand-in answers (@octokit/openapi).
  if (s.repo.validateResponse && !/graphql$/.test(url.pathname)) {
    let errors;
    try {
      errors = s.repo.validateResponse(method, url.pathname, status, payload);
    } catch (err) {
      errors = [`the response could not be checked: ${err?.message ?? err}`];
    }
    recorded.responseErrors = errors.length > 0 ? errors : undefined;
  }
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(payload));
  notify();
}

/** A promise of the first request (recorded or still to come) that `predicate` accepts. */
function waitFor(s, predicate, ms) {
  const done = s.requests.find(predicate);
  if (done) return Promise.resolve(done);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("the stand-in never saw the expected request")),
      ms,
    );
    s.waiters.push({ predicate, resolve: (r) => (clearTimeout(timer), resolve(r)) });
  });
}

/**
 * @param {{owner: string, repo: string, number: number, files: Record<string, Record<string, string>>,
 *   changed: {filename: string, status: string, patch?: string}[], reviews?: object[], commits?: object[],
 *   teams?: Record<string, string[]>, pullRequest?: object, faults?: {method: string, path: string, times?: number,
 *   body?: string, status?: number, headers?: Record<string, string>, message?: string, reset?: boolean,
 *   hang?: boolean}[]}} repo
 *   files by commit, then path; reviews and commits in the REST shapes of list-reviews and list-commits;
 *   team members by "org/slug"
 */
export async function startGitHubStandIn(repo) {
  const s = {
    repo,
    prefix: `/repos/${repo.owner}/${repo.repo}`,
    requests: [],
    waiters: [],
    /** Commits the app created (Git data API), and where each branch points. */
    created: { trees: new Map(), commits: new Map(), refs: new Map() },
    checkRunId: 1000,
    /** Each check run created: its name and head commit, by id. */
    checkRuns: new Map(),
    origin: "",
    // Injected faults: the first `times` matching requests get `status` (or a reset connection).
    faults: (repo.faults ?? []).map((f) => ({ ...f, left: f.times ?? 1 })),
  };
  const server = createServer((req, res) => answer(s, req, res));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  s.origin = `http://127.0.0.1:${port}`;
  const handle = {
    url: `http://127.0.0.1:${port}`,
    requests: s.requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    waitFor: (predicate, ms = 10_000) => waitFor(s, predicate, ms),
  };
  handle.created = s.created;
  handle.checkRuns = s.checkRuns;
  return handle;
}
