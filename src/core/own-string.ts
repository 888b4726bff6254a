// Strings a large run keeps (findings, caches) must not keep the file they were read from.

/**
 * `text` in a string of its own. A string cut from a file's text (13 characters or more) is, in
 * V8, a view that keeps the whole text alive: a resource reference in every finding, or a key of
 * a cache, would hold a large run's files (20 MiB at 50,000 resources) after they are reported.
 */
export function ownString(text: string): string {
  // Not `(" " + text).slice(1)`: V8 cuts that from `text`'s own view again.
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}
