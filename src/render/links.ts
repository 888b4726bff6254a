// Where a rule's documentation page lives; every output links findings to it.
import type { PolicyLocation } from "../core/types.js";

export const DEFAULT_DOCS_URL =
  "https://github.com/portcullis-dev/portcullis/blob/main/docs/rules/";

/** The page of a rule: `docs/rules/<ID>.md`, under $PORTCULLIS_DOCS_URL when set. */
export function ruleHelpUri(
  rule: string,
  base = process.env.PORTCULLIS_DOCS_URL || DEFAULT_DOCS_URL,
): string {
  return `${base.endsWith("/") ? base : `${base}/`}${rule}.md`;
}

/** Built-in catalogue ids (PCK001, PCF007, ...): the rules that have a page. */
export function isCatalogueRule(rule: string): boolean {
  return /^PC[A-Z]\d{3}$/.test(rule);
}

/**
 * Where a finding's rule is explained: its catalogue page, or the repository policy that defines it
 * (a Gatekeeper constraint's file and `kind:` line) under `policyBlobUrl`
 * (`https://github.com/<owner>/<repo>/blob/<base sha>/`); no link when neither is known, never a
 * catalogue page that does not exist.
 */
export function findingHelpUri(
  f: { readonly rule: string; readonly policy?: PolicyLocation },
  policyBlobUrl?: string,
): string | undefined {
  if (isCatalogueRule(f.rule)) return ruleHelpUri(f.rule);
  if (!f.policy || !policyBlobUrl) return undefined;
  const path = f.policy.file.split("/").map(encodeURIComponent).join("/");
  return `${policyBlobUrl.endsWith("/") ? policyBlobUrl : `${policyBlobUrl}/`}${path}#L${f.policy.line}`;
}
