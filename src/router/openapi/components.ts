/**
 * What every path file of the OpenAPI document shares: the security schemes,
 * the two error shapes, and helpers that spell a JSON body or a set of error
 * responses once.
 */
import { z, type OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import { KEY_ROTATION_DUE_HEADER } from "../../shared/key-rotation";
import { ACCOUNT_WARNING_HEADER } from "../account-warning";

export type Registry = OpenAPIHono["openAPIRegistry"];
export type Responses = RouteConfig["responses"];

/** Names of the security schemes, as operations reference them. */
export const SECURITY = {
  /** A customer key, `Authorization: Bearer emby_sk_...`. */
  bearer: "apiKey",
  /** The same key in Anthropic's header, for Anthropic clients. */
  xApiKey: "xApiKey",
  /** The operator's `ADMIN_TOKEN`. */
  admin: "adminToken",
} as const;

/** A customer key in either header; scopes are named in each operation's description. */
type SecurityRequirement = Record<string, string[]>;
export const customerSecurity: SecurityRequirement[] = [{ [SECURITY.bearer]: [] }, { [SECURITY.xApiKey]: [] }];
export const adminSecurity: SecurityRequirement[] = [{ [SECURITY.admin]: [] }];
/** Public operations: no credential. */
export const noSecurity: SecurityRequirement[] = [];

export function registerSecuritySchemes(registry: Registry): void {
  registry.registerComponent("securitySchemes", SECURITY.bearer, {
    type: "http",
    scheme: "bearer",
    description: "A customer API key (`emby_sk_...`). Keys are taken from headers only: a credential in the query string is refused with 401 `api_key_in_query`.",
  });
  registry.registerComponent("securitySchemes", SECURITY.xApiKey, {
    type: "apiKey",
    in: "header",
    name: "x-api-key",
    description: "The same customer key in Anthropic's header.",
  });
  registry.registerComponent("securitySchemes", SECURITY.admin, {
    type: "http",
    scheme: "bearer",
    description: "The operator's `ADMIN_TOKEN` (bearer only, never in a URL). Unset, the operator API is closed.",
  });
}

export const openAIErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().meta({ description: "e.g. invalid_request_error, authentication_error, permission_error, rate_limit_error, upstream_error" }),
      code: z.string().nullable().meta({ description: "The router's error code, e.g. invalid_api_key, model_not_found, rate_limit_exceeded" }),
      param: z.string().nullable().meta({ description: "The request field at fault, e.g. messages[0].role" }),
    }),
  })
  .meta({ id: "OpenAIError", description: "Errors on every route but /v1/messages (OpenAI's shape)." });

export const anthropicErrorSchema = z
  .object({
    type: z.literal("error"),
    error: z.object({ type: z.string(), message: z.string() }),
  })
  .meta({ id: "AnthropicError", description: "Errors on /v1/messages (Anthropic's shape)." });

export type ErrorFormat = "openai" | "anthropic";

/** A JSON body of this schema. */
export const json = <T extends z.ZodType>(schema: T) => ({ "application/json": { schema } });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request: bad JSON or field (param names it), unknown field, parameter no route can honour.",
  401: "Missing, malformed, unknown, revoked or expired key; closed account; a credential in the query string.",
  402: "Out of credit or budget.",
  403: "Suspended or terminated account, key lacks the scope, model not allowed, or no consent for a non-EU route.",
  404: "Not found (another account's object is a 404 too).",
  405: "A known path with another method; `Allow` lists the methods it takes.",
  409: "Conflict with the stored state.",
  413: "Body over 10 MiB.",
  415: "Body not declared as JSON.",
  429: "A limit was hit; `Retry-After` says when to retry.",
  502: "Upstream failed, or no configured route.",
  503: "Upstream overloaded, every route paused, or the limiter unavailable.",
  504: "Upstream timed out.",
};

/** Error responses of these statuses in one format. */
export function errorResponses(statuses: readonly number[], format: ErrorFormat = "openai"): Responses {
  const schema = format === "openai" ? openAIErrorSchema : anthropicErrorSchema;
  return Object.fromEntries(statuses.map((s) => [s, { description: ERROR_DESCRIPTIONS[s] ?? "Error.", content: json(schema) }]));
}

/** The errors any authenticated customer call can answer with, before its own. */
export const CUSTOMER_ERRORS = [400, 401, 403, 404, 429] as const;
export const ADMIN_ERRORS = [400, 401, 404] as const;
export const INFERENCE_ERRORS = [400, 401, 402, 403, 404, 413, 415, 429, 502, 503, 504] as const;

/** A string response header with this description. */
export const header = (description: string) => ({ schema: { type: "string" as const }, description });

/** Headers of every response to a customer key (inference headers are in paths/inference.ts). */
export const customerHeaders = {
  "x-request-id": header("The id GET /v1/generation takes."),
  [KEY_ROTATION_DUE_HEADER]: header("Present while the key is due for rotation (active and older than 90 days): the ISO 8601 time it became due."),
  [ACCOUNT_WARNING_HEADER]: header("Present while the account is warned under the acceptable use policy: the operator's reason."),
};

/** A 200/201 answer to a customer key: this JSON schema, with the headers every such answer may carry. */
export const customerOk = <T extends z.ZodType>(description: string, schema: T) => ({ description, headers: customerHeaders, content: json(schema) });
