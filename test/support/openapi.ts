// Validates request bodies the app sends against GitHub's own OpenAPI description (@octokit/openapi).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Ajv as AjvInstance, Options } from "ajv";

// ajv and ajv-formats are CommonJS with a default export; require() avoids ESM interop guesses.
const require = createRequire(import.meta.url);
const { Ajv } = require("ajv") as { Ajv: new (options: Options) => AjvInstance };
const addFormats = (require("ajv-formats") as { default: (ajv: AjvInstance) => AjvInstance })
  .default;

interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
}
interface Description {
  paths: Record<string, Record<string, Operation>>;
}

let cached: { description: Description; ajv: AjvInstance } | undefined;

function load() {
  if (cached) return cached;
  // Only the REST description of api.github.com (13 MB), not the package's index (400 MB of variants).
  const dir = dirname(require.resolve("@octokit/openapi/package.json"));
  const description = JSON.parse(
    readFileSync(join(dir, "generated", "api.github.com.json"), "utf8"),
  ) as Description;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(description as object, "github");
  cached = { description, ajv };
  return cached;
}

/** The OpenAPI path template a concrete path matches, e.g. /repos/{owner}/{repo}/check-runs/{check_run_id}. */
function templateOf(description: Description, method: string, path: string): string | undefined {
  const segments = path.split("?")[0]!.split("/");
  return Object.keys(description.paths).find((template) => {
    const parts = template.split("/");
    if (parts.length !== segments.length || !description.paths[template]![method]) return false;
    return parts.every((p, i) => p.startsWith("{") || p === segments[i]);
  });
}

const escapePointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** Errors of a request body against the operation's schema; throws when GitHub has no such operation. */
export function requestBodyErrors(method: string, path: string, body: unknown): string[] {
  const { description, ajv } = load();
  const m = method.toLowerCase();
  const template = templateOf(description, m, path);
  if (!template) throw new Error(`GitHub's REST API has no ${method} ${path}`);
  const requestBody = description.paths[template]![m]!.requestBody;
  if (body === undefined || body === "") {
    return requestBody?.required ? [`${method} ${template}: a body is required`] : [];
  }
  const content = requestBody?.content ?? {};
  const mediaType = Object.keys(content).find((t) => t.includes("json"));
  if (!mediaType)
    return body === undefined || body === "" ? [] : [`${method} ${template} takes no JSON body`];
  const ref = `github#/paths/${escapePointer(template)}/${m}/requestBody/content/${escapePointer(mediaType)}/schema`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (e) => `${method} ${template}: ${e.instancePath || "/"} ${e.message}`,
  );
}

/**
 * For the loopback stand-in: the errors GitHub's schema finds in a request body, where an
 * operation GitHub does not have is an error too (the stand-in answers 422 to either).
 */
export function schemaRefusals(method: string, path: string, body: unknown): string[] {
  try {
    return requestBodyErrors(method, path, body);
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}
