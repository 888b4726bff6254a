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

/**
 * Errors of a response body against the operation's documented response for `status` (the
 * stand-in's answers checked as GitHub's); an operation or status GitHub does not document is an error.
 */
export function responseBodyErrors(
  method: string,
  path: string,
  status: number,
  body: unknown,
): string[] {
  const { description, ajv } = loadForResponses();
  const m = method.toLowerCase();
  const template = templateOf(description, m, path);
  if (!template) return [`GitHub's REST API has no ${method} ${path}`];
  const responses = (
    description.paths[template]![m] as {
      responses?: Record<string, { content?: Record<string, unknown>; $ref?: string }>;
    }
  ).responses;
  if (!responses?.[String(status)]) {
    // Any endpoint answers an app without the permission 403 "Resource not accessible by
    // integration", in the shape of every GitHub error, whether its operation lists 403 or not.
    if (status < 400) return [`${method} ${template} does not answer ${status}`];
    const basic = ajv.getSchema("github#/components/schemas/basic-error")!;
    return basic(body) ? [] : [`${method} ${template} ${status}: not GitHub's error shape`];
  }
  const response = responses[String(status)]!;
  const base = response.$ref
    ? response.$ref.replace(/^#/, "github#")
    : `github#/paths/${escapePointer(template)}/${m}/responses/${status}`;
  const content = response.$ref
    ? ((resolvePointer(description, response.$ref) as { content?: Record<string, unknown> })
        .content ?? {})
    : (response.content ?? {});
  const mediaType = Object.keys(content).find((t) => t.includes("json"));
  if (!mediaType) return [];
  const ref = `${base}/content/${escapePointer(mediaType)}/schema`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (e) => `${method} ${template} ${status}: ${e.instancePath || "/"} ${e.message}`,
  );
}

function resolvePointer(root: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node: unknown, key) => (node as Record<string, unknown>)[key], root);
}

let forResponses: { description: Description; ajv: AjvInstance } | undefined;

/**
 * The description for response schemas: OpenAPI 3.0's `nullable` without a `type` (which ajv
 * refuses) is read as "null, or the rest of the schema", as OpenAPI means it.
 */
function loadForResponses() {
  if (forResponses) return forResponses;
  const dir = dirname(require.resolve("@octokit/openapi/package.json"));
  const description = JSON.parse(
    readFileSync(join(dir, "generated", "api.github.com.json"), "utf8"),
    (_key, value: unknown) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
      const v = value as Record<string, unknown>;
      if (v.nullable !== true || "type" in v) return value;
      const rest = { ...v };
      delete rest.nullable;
      return { anyOf: [{ type: "null" }, rest] };
    },
  ) as Description;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(description as object, "github");
  forResponses = { description, ajv };
  return forResponses;
}
