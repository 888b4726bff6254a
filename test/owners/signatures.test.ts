import {
  explainReason,
  judgeCommit,
  REASONS,
  signatureTypeOf,
  type CommitVerification,
} from "../../src/owners/signatures.js";

const options = {
  exemptBots: false,
  exemptMergeCommits: false,
  acceptedTypes: ["gpg", "ssh", "smime"] as const,
};
const commit = (reason: string, extra: Partial<CommitVerification> = {}): CommitVerification => ({
  sha: "a".repeat(40),
  verified: reason === "valid",
  reason,
  author: "alice",
  authorIsBot: false,
  parents: 1,
  signatureType: reason === "unsigned" ? undefined : "gpg",
  ...extra,
});

describe("signed-commit verdicts", () => {
  it.each([
    ["valid", "pass"],
    ["unsigned", "fail"],
    ["invalid", "fail"],
    ["bad_email", "fail"],
    ["unknown_key", "fail"],
    ["no_user", "fail"],
    ["unverified_email", "fail"],
    ["expired_key", "fail"],
    ["not_signing_key", "fail"],
    ["malformed_signature", "fail"],
    ["unknown_signature_type", "fail"],
    ["bad_cert", "fail"],
    ["ocsp_error", "fail"],
    ["ocsp_revoked", "fail"],
    ["gpgverify_error", "retry"],
    ["gpgverify_unavailable", "retry"],
    ["ocsp_pending", "retry"],
    ["a_reason_from_the_future", "fail"],
  ])("%s -> %s", (reason, kind) => {
    const verdict = judgeCommit(commit(reason), options);
    expect(verdict.kind).toBe(kind);
    if (verdict.kind !== "pass") expect(verdict.why).toBe(explainReason(reason));
  });

  it("explains every documented reason in plain words, and unknown ones as not verified", () => {
    for (const [reason, text] of Object.entries(REASONS)) expect(explainReason(reason)).toBe(text);
    expect(explainReason("quantum")).toMatch(/treated as not verified/);
  });

  it("fails closed when GitHub says verified: false with reason valid", () => {
    expect(judgeCommit(commit("valid", { verified: false }), options).kind).toBe("fail");
  });

  it("exempts bots and merge commits only when asked", () => {
    const bot = commit("unsigned", { author: "renovate[bot]", authorIsBot: true });
    expect(judgeCommit(bot, options).kind).toBe("fail");
    expect(judgeCommit(bot, { ...options, exemptBots: true })).toEqual({
      kind: "exempt",
      why: "made by renovate[bot]",
    });
    expect(
      judgeCommit(commit("unsigned", { parents: 2 }), { ...options, exemptMergeCommits: true })
        .kind,
    ).toBe("exempt");
  });

  it("accepts only the configured signature types and signers", () => {
    const ssh = commit("valid", { signatureType: "ssh" });
    expect(judgeCommit(ssh, { ...options, acceptedTypes: ["gpg"] }).kind).toBe("fail");
    expect(
      judgeCommit(commit("valid"), { ...options, allowedSigners: new Set(["bob"]) }).kind,
    ).toBe("fail");
    expect(
      judgeCommit(commit("valid"), { ...options, allowedSigners: new Set(["alice"]) }).kind,
    ).toBe("pass");
  });

  it("reads the signature type from its armor", () => {
    expect(signatureTypeOf("-----BEGIN SSH SIGNATURE-----\n...")).toBe("ssh");
    expect(signatureTypeOf("-----BEGIN PGP SIGNATURE-----\n...")).toBe("gpg");
    expect(signatureTypeOf("-----BEGIN SIGNED MESSAGE-----\n...")).toBe("smime");
    expect(signatureTypeOf(null)).toBeUndefined();
  });
});
