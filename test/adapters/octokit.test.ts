// The app's Octokit: each installation gets its own write bucket, whatever way Probot builds it.
import { portcullisOctokit, WriteLanes } from "../../src/adapters/github/octokit.js";

const handlers = { onRateLimit: () => false, onSecondaryRateLimit: () => false };

function fakeFetch(seen: string[]): typeof fetch {
  return async (url, init) => {
    seen.push(`${init?.method ?? "GET"} ${String(url)}`);
    return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
  };
}

describe("portcullisOctokit", () => {
  it("keys the write bucket by installation when Probot gives no throttle id", async () => {
    const lanes = new WriteLanes(2);
    const Octokit = portcullisOctokit(lanes);
    const seen: string[] = [];
    // As octokit-auth-probot builds a webhook's client: throttle options without an id.
    const client = (installationId: number) =>
      new Octokit({
        auth: { token: "t", installationId },
        request: { fetch: fakeFetch(seen) },
        throttle: { enabled: true, ...handlers },
      });
    await client(41).request("POST /repos/o/r/check-runs", { name: "a", head_sha: "x" });
    await client(41).request("PATCH /repos/o/r/check-runs/1", { status: "completed" });
    await client(42).request("POST /repos/o/r/check-runs", { name: "a", head_sha: "x" });
    await client(42).request("GET /repos/o/r/pulls/1/files");

    const group = lanes.group();
    expect(group.keys().sort()).toEqual(["41", "42"]);
    expect(await group.key("41").currentReservoir()).toBe(0);
    expect(await group.key("42").currentReservoir()).toBe(1);
    expect(seen).toHaveLength(4);
  });

  it("keeps an explicit throttle id and leaves a disabled throttle alone", async () => {
    const lanes = new WriteLanes(3);
    const Octokit = portcullisOctokit(lanes);
    const seen: string[] = [];
    await new Octokit({
      auth: { token: "t", installationId: 7 },
      request: { fetch: fakeFetch(seen) },
      throttle: { enabled: true, id: "app", ...handlers },
    }).request("POST /graphql", { query: "{ viewer { login } }" });
    await new Octokit({
      auth: { token: "t", installationId: 8 },
      request: { fetch: fakeFetch(seen) },
      throttle: { enabled: false },
    }).request("POST /repos/o/r/check-runs", { name: "a", head_sha: "x" });

    expect(lanes.group().keys()).toEqual(["app"]);
    expect(await lanes.group().key("app").currentReservoir()).toBe(2);
    expect(seen).toHaveLength(2);
  });
});
