// Reads another repository's config file from its default branch, for `_extends`.
import type { ReadOtherConfig } from "../../config/extends.js";
import type { Octokit } from "./github-source.js";

export function readDefaultBranchConfig(octokit: Octokit): ReadOtherConfig {
  return async ({ owner, repo, path }) => {
    try {
      const { data } = await octokit.rest.repos.getContent({ owner, repo, path });
      if (Array.isArray(data) || data.type !== "file" || data.encoding !== "base64")
        return undefined;
      return Buffer.from(data.content, "base64").toString("utf8");
    } catch (err) {
      if (typeof err === "object" && err !== null && (err as { status?: number }).status === 404)
        return undefined;
      throw err;
    }
  };
}
