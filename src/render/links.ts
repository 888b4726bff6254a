// Where a rule's documentation page lives; every output links findings to it.
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
