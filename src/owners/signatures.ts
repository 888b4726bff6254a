// Signed-commit verdicts from GitHub's `commit.verification`, with every reason in plain words.

export interface CommitVerification {
  readonly sha: string;
  readonly verified: boolean;
  /** GitHub's `verification.reason` (`valid`, `unsigned`, `bad_email`, ...). */
  readonly reason: string;
  /** Login of the commit's author account, when GitHub linked one. */
  readonly author?: string;
  /** `[bot]` accounts (e.g. renovate[bot]) can be exempted. */
  readonly authorIsBot: boolean;
  readonly parents: number;
  /** `gpg`, `ssh` or `smime`, read from the signature's armor; undefined when unsigned. */
  readonly signatureType?: SignatureType;
}

export type SignatureType = "gpg" | "ssh" | "smime";

export interface SignatureOptions {
  readonly exemptBots: boolean;
  readonly exemptMergeCommits: boolean;
  readonly acceptedTypes: readonly SignatureType[];
  /** When set, only these authors may sign (logins, lower case); others fail even when verified. */
  readonly allowedSigners?: ReadonlySet<string>;
}

/** GitHub's documented reasons (REST "Get a commit"), explained for the person who must fix them. */
export const REASONS: Readonly<Record<string, string>> = {
  valid: "signed and verified by GitHub",
  unsigned: "the commit is not signed",
  expired_key: "the key that signed it has expired",
  not_signing_key: "the GPG key that signed it is not marked for signing",
  gpgverify_error: "GitHub's signature verification service failed; re-run the check",
  gpgverify_unavailable:
    "GitHub's signature verification service was unavailable; re-run the check",
  unknown_signature_type: "the signature is of a kind GitHub does not recognise",
  no_user: "no GitHub account has the committer's email address",
  unverified_email: "the committer's email is on a GitHub account but not verified there",
  bad_email: "the committer's email is not one of the signing key's identities",
  unknown_key: "the signing key is not registered with any GitHub account",
  malformed_signature: "the signature could not be parsed",
  invalid: "the signature does not verify with the key it names",
  bad_cert: "the S/MIME certificate is not valid",
  ocsp_error: "the S/MIME certificate's revocation status could not be checked",
  ocsp_pending: "the S/MIME certificate's revocation check is still pending; re-run the check",
  ocsp_revoked: "the S/MIME certificate has been revoked",
};

/** Reasons that say nothing about the commit, only that GitHub could not check it now. */
export const TRANSIENT_REASONS: ReadonlySet<string> = new Set([
  "gpgverify_error",
  "gpgverify_unavailable",
  "ocsp_pending",
]);

export type CommitVerdict =
  | { readonly kind: "pass" }
  | { readonly kind: "exempt"; readonly why: string }
  | { readonly kind: "fail"; readonly why: string }
  | { readonly kind: "retry"; readonly why: string };

export function explainReason(reason: string): string {
  return (
    REASONS[reason] ??
    `GitHub reported "${reason}", a reason this version of Portcullis does not know, so the commit is treated as not verified`
  );
}

/** One commit's verdict: unknown reasons fail (closed), transient ones ask for a retry. */
export function judgeCommit(commit: CommitVerification, options: SignatureOptions): CommitVerdict {
  if (options.exemptMergeCommits && commit.parents > 1)
    return { kind: "exempt", why: "merge commit" };
  if (options.exemptBots && commit.authorIsBot)
    return { kind: "exempt", why: `made by ${commit.author ?? "a bot"}` };
  if (TRANSIENT_REASONS.has(commit.reason))
    return { kind: "retry", why: explainReason(commit.reason) };
  if (!commit.verified || commit.reason !== "valid")
    return { kind: "fail", why: explainReason(commit.reason) };
  if (commit.signatureType && !options.acceptedTypes.includes(commit.signatureType)) {
    return {
      kind: "fail",
      why: `signed with ${commit.signatureType.toUpperCase()}, which this repository does not accept (${options.acceptedTypes.join(", ")})`,
    };
  }
  if (options.allowedSigners && !options.allowedSigners.has((commit.author ?? "").toLowerCase())) {
    return {
      kind: "fail",
      why: `${commit.author ?? "an unknown author"} is not an allowed signer`,
    };
  }
  return { kind: "pass" };
}

/** The signature type from a signature's armor header. */
export function signatureTypeOf(signature: string | null | undefined): SignatureType | undefined {
  if (!signature) return undefined;
  if (signature.includes("BEGIN SSH SIGNATURE")) return "ssh";
  if (signature.includes("BEGIN SIGNED MESSAGE")) return "smime";
  if (signature.includes("BEGIN PGP SIGNATURE")) return "gpg";
  return undefined;
}
