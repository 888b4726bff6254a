// Reads another repository's config file from its default branch, for `_extends`.
import type { ReadOtherConfig } from "../../config/extends.js";
import { readRepositoryFile, type Octokit } from "./github-source.js";

export function readDefaultBranchConfig(octokit: Octokit): ReadOtherConfig {
  return async (location) => {
    const content = await readRepositoryFile(octokit, location);
    return content === undefined ? undefined : Buffer.from(content).toString("utf8");
  };
}
