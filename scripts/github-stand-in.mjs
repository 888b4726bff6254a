// A loopback stand-in for the parts of GitHub's API a review uses: real HTTP, recorded requests.
import { createServer } from "node:http";

function readBody(req) {
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => resolve(body));
  });
}

/**
 * @param {{owner: string, repo: string, number: number, files: Record<string, Record<string, string>>,
 *   changed: {filename: string, status: string, patch?: string}[], reviews?: object[], commits?: object[],
 *   teams?: Record<string, string[]>, pullRequest?: object, faults?: {method: string, path: string, times?: number,
 *   status?: number, headers?: Record<string, string>, message?: string, reset?: boolean,
 *   hang?: boolean}[]}} repo
 *   files by commit, then path; reviews and commits in the REST shapes of list-reviews and list-commits;
 *   team members by "org/slug"
 */
export async function startGitHubStandIn(repo) {
  const requests = [];
  const waiters = [];
  const prefix = `/repos/${repo.owner}/${repo.repo}`;
  let checkRunId = 1000;
  /** Each check run created: its name and head commit, by id. */
  const checkRuns = new Map();

  // Several pull requests: their changed files by number (the one of `repo.number` by default).
  const changedOf = (number) =>
    repo.pulls?.[number]?.changed ?? (number === repo.number ? repo.changed : undefined);
  const route = (method, url, body) => {
    // GitHub Enterprise Server's paths (Probot's GHE_HOST): /api/v3/... and /api/graphql.
    const path = url.pathname
      .replace(/^\/api\/v3(?=\/)/, "")
      .replace(/^\/api\/graphql$/, "/graphql");
    if (method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return [
        201,
        { token: "stand-in-token", expires_at: "2099-01-01T00:00:00Z", permissions: {} },
      ];
    }
    if (method === "POST" && path === `${prefix}/check-runs`) {
      checkRuns.set(++checkRunId, { name: body?.name, headSha: body?.head_sha });
      return [201, { id: checkRunId }];
    }
    if (method === "PATCH" && path.startsWith(`${prefix}/check-runs/`))
      return [200, { id: Number(path.split("/").pop()) }];
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
    if (method === "GET" && files && changedOf(Number(files[1]))) {
      const page = Number(url.searchParams.get("page") ?? "1");
      const perPage = Number(url.searchParams.get("per_page") ?? "30");
      return [200, changedOf(Number(files[1])).slice((page - 1) * perPage, page * perPage)];
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
    if (pull && changedOf(Number(pull[1]))) {
      if (method === "POST" && pull[2] === "reviews") return [200, { id: 1 }];
      if (method === "GET" && pull[2] === "comments") return [200, []];
      if (method === "GET" && pull[2] === "reviews") return [200, repo.reviews ?? []];
      if (method === "GET" && pull[2] === "commits") return [200, repo.commits ?? []];
    }
    if (method === "GET" && path === `${prefix}/codeowners/errors`) return [200, { errors: [] }];
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
    return [404, { message: `stand-in has no ${method} ${path}` }];
  };

  // Injected faults: the first `times` matching requests get `status` (or a reset connection).
  const faults = (repo.faults ?? []).map((f) => ({ ...f, left: f.times ?? 1 }));
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", "http://stand-in");
    const body = raw ? JSON.parse(raw) : undefined;
    const method = req.method ?? "GET";
    const fault = faults.find(
      (f) => f.left > 0 && f.method === method && new RegExp(f.path).test(url.pathname),
    );
    const recorded = { method, path: url.pathname, body, at: Date.now(), fault: Boolean(fault) };
    if (method === "PATCH" && /\/check-runs\/\d+$/.test(url.pathname))
      recorded.checkRun = checkRuns.get(Number(url.pathname.split("/").pop()));
    requests.push(recorded);
    const notify = () => {
      for (const w of waiters.filter((w) => w.predicate(recorded))) {
        waiters.splice(waiters.indexOf(w), 1);
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
    const [status, payload] = route(method, url, body);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(payload));
    notify();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  const handle = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    waitFor: (predicate, ms = 10_000) => {
      const done = requests.find(predicate);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error("the stand-in never saw the expected request")),
          ms,
        );
        waiters.push({ predicate, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
  };
  return handle;
}
