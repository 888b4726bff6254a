// The base branch's protection as GitHub tells an app: the rules in force from rulesets
// (`GET /repos/{owner}/{repo}/rules/branches/{branch}`, `metadata: read`), classic protection in
// full (`GET .../branches/{branch}/protection`, `administration: read`) when granted, else its
// required status checks from the branch itself (`GET .../branches/{branch}`, `metadata: read`).
import type {
  BranchProtection,
  BranchProtectionReader,
  ProtectionSource,
} from "../../ports/branch-protection.js";
import { httpStatus } from "./http-status.js";
import type { Octokit } from "./github-source.js";

interface Rule {
  readonly type?: string;
  readonly parameters?: {
    readonly required_status_checks?: readonly { readonly context?: string }[];
    readonly require_code_owner_review?: boolean;
  };
}

interface ClassicProtection {
  readonly required_status_checks?: {
    readonly contexts?: readonly string[];
    readonly checks?: readonly { readonly context?: string }[];
  } | null;
  readonly required_pull_request_reviews?: { readonly require_code_owner_reviews?: boolean } | null;
  readonly required_signatures?: { readonly enabled?: boolean } | null;
}

const unique = (xs: readonly (string | undefined)[]) =>
  [...new Set(xs.filter((x): x is string => typeof x === "string" && x !== ""))].sort();

/** What the rules of all rulesets that apply to the branch require. */
export function rulesetProtection(rules: readonly Rule[]): ProtectionSource {
  return {
    readable: true,
    requiredChecks: unique(
      rules
        .filter((r) => r.type === "required_status_checks")
        .flatMap((r) => (r.parameters?.required_status_checks ?? []).map((c) => c.context)),
    ),
    codeOwnerReviews: rules.some(
      (r) => r.type === "pull_request" && r.parameters?.require_code_owner_review === true,
    ),
    signedCommits: rules.some((r) => r.type === "required_signatures"),
  };
}

/** What classic protection requires, read in full. */
export function classicProtection(p: ClassicProtection): ProtectionSource {
  const checks = p.required_status_checks;
  return {
    readable: true,
    requiredChecks: unique([
      ...(checks?.contexts ?? []),
      ...(checks?.checks ?? []).map((c) => c.context),
    ]),
    codeOwnerReviews: p.required_pull_request_reviews?.require_code_owner_reviews === true,
    signedCommits: p.required_signatures?.enabled === true,
  };
}

const UNPROTECTED: ProtectionSource = {
  readable: true,
  requiredChecks: [],
  codeOwnerReviews: false,
  signedCommits: false,
};

export class GitHubBranchProtection implements BranchProtectionReader {
  constructor(
    private readonly octokit: Octokit,
    private readonly repository: { readonly owner: string; readonly repo: string },
    /** The repository's web URL (`https://github.com/<owner>/<repo>`). */
    private readonly webUrl: string,
  ) {}

  async read(branch: string): Promise<BranchProtection> {
    const [rulesets, classic] = await Promise.all([this.rulesets(branch), this.classic(branch)]);
    return {
      branch,
      rulesets,
      classic,
      settingsUrls: {
        rulesets: `${this.webUrl}/settings/rules`,
        branches: `${this.webUrl}/settings/branches`,
      },
    };
  }

  private async rulesets(branch: string): Promise<ProtectionSource> {
    try {
      const rules = (await this.octokit.paginate(
        "GET /repos/{owner}/{repo}/rules/branches/{branch}",
        {
          ...this.repository,
          branch,
          per_page: 100,
        },
      )) as Rule[];
      return rulesetProtection(rules);
    } catch (err) {
      return unreadable(`rulesets could not be read (${describe(err)})`);
    }
  }

  private async classic(branch: string): Promise<ProtectionSource> {
    try {
      const { data } = await this.octokit.request(
        "GET /repos/{owner}/{repo}/branches/{branch}/protection",
        { ...this.repository, branch },
      );
      return classicProtection(data as ClassicProtection);
    } catch (err) {
      // 404: the branch has no classic protection. 403: the app may not read it (no
      // `administration: read`); the branch itself still says which checks it requires.
      if (httpStatus(err) === 404) return UNPROTECTED;
      if (httpStatus(err) !== 403)
        return unreadable(`classic protection could not be read (${describe(err)})`);
    }
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", {
        ...this.repository,
        branch,
      });
      const checks = (
        data as {
          protection?: { required_status_checks?: ClassicProtection["required_status_checks"] };
        }
      ).protection?.required_status_checks;
      return {
        readable: false,
        reason:
          "classic protection's review and signature rules need `administration: read`, which this app was not granted",
        requiredChecks: unique([
          ...(checks?.contexts ?? []),
          ...(checks?.checks ?? []).map((c) => c.context),
        ]),
      };
    } catch (err) {
      return unreadable(`the branch could not be read (${describe(err)})`);
    }
  }
}

function unreadable(reason: string): ProtectionSource {
  return { readable: false, reason, requiredChecks: [] };
}

function describe(err: unknown): string {
  const status = httpStatus(err);
  return status === undefined ? "no answer" : `GitHub answered ${status}`;
}
