/**
 * The log event: the one message the router sends to the logger worker per
 * request, and the contract between the two workers (docs/storage.md, "Queue
 * `emby-logs`").
 *
 * Privacy by construction: the object is strict (an unknown field is an
 * error, on both sides of the queue), and every string is an identifier, an
 * enum or a tightly patterned code, so no field can carry prompt or response
 * text. The error is a router error code, never an upstream message (those
 * may echo the prompt). The one client-chosen string is the user agent, which
 * the policy names as logged; it is cut to printable ASCII and 256 characters.
 * The routing record (`route`, `data_region`, `attempt_log`) is the same:
 * endpoint ids, upstream model ids, router codes, statuses and durations.
 */
import { z } from "zod";

export const LOG_EVENT_VERSION = 1;
/** What the response cache did for a model call (the `x-emby-cache` header). */
export const CACHE_STATUSES = ["hit", "miss", "bypass"] as const;
export type CacheStatus = (typeof CACHE_STATUSES)[number];

/** Which API a request addressed. A route pattern, never the raw path (a 404 path is client text). */
export const LOG_ENDPOINTS = ["chat.completions", "messages", "responses", "embeddings", "models", "generation", "usage", "account", "keys", "cache", "admin", "other"] as const;
export type LogEndpoint = (typeof LOG_ENDPOINTS)[number];

export const LOG_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER"] as const;
export type LogMethod = (typeof LOG_METHODS)[number];

export const MAX_USER_AGENT_LENGTH = 256;

const prefixedId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-f]{32}$`));
export const requestIdSchema = prefixedId("req");

const timestamp = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const endpointId = z.string().regex(/^[a-z0-9-]{1,32}$/);
/** Provider model ids: letters, digits and `._:/-`, and `@` for Vertex AI's versions (`claude-haiku-4-5@20251001`). */
const upstreamModel = z.string().regex(/^[A-Za-z0-9._:/@-]{1,128}$/);
/** A router code: `ok` or an error code (snake_case), never a message. */
const routerCode = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/);

export const DATA_REGIONS = ["eu", "us", "global"] as const;

/** Most upstream calls one request may make (fallbacks and retries together). */
export const MAX_ATTEMPTS = 10;

/** One upstream call of a request, in the order made. */
export const attemptLogEntrySchema = z
  .object({
    /** The endpoint id the call went to. */
    route: endpointId,
    upstream_model: upstreamModel,
    /** `ok` for the attempt that answered, else the router error code it failed with. */
    code: routerCode,
    /** The upstream's HTTP status, or the router's for a failure it named itself; null when no response came (connection failure, timeout). */
    status: z.number().int().min(100).max(599).nullable(),
    latency_ms: count,
  })
  .strict();
export type AttemptLogEntry = z.infer<typeof attemptLogEntrySchema>;

export const logEventSchema = z
  .object({
    v: z.literal(LOG_EVENT_VERSION),
    request_id: requestIdSchema,
    /** Null when the request never authenticated (401, operator API, unknown route). */
    account_id: prefixedId("acct").nullable(),
    key_id: prefixedId("key").nullable(),
    endpoint: z.enum(LOG_ENDPOINTS),
    method: z.enum(LOG_METHODS),
    /** Catalogue id (`provider/model`); null when the request named no known model. */
    model: z.string().regex(/^[a-z0-9-]{1,32}\/[A-Za-z0-9._:-]{1,96}$/).nullable(),
    /** The model family (`openai` of `openai/gpt-4.1`), whichever endpoint served it. */
    provider: endpointId.nullable(),
    /** The upstream model id of the route that answered, else the catalogue's for the model. */
    upstream_model: upstreamModel.nullable(),
    /** Upstream calls made for this request (0: answered by the router alone); `attempt_log`'s length when that is present. */
    attempts: z.number().int().min(0).max(MAX_ATTEMPTS),
    /**
     * The routing record, optional (like `usage_estimated`) so that events of
     * routers deployed before it still parse. `route`: the endpoint id that
     * answered, null when none did; `data_region`: where that endpoint
     * processes requests; `attempt_log`: every upstream call, in order.
     */
    route: endpointId.nullable().optional(),
    data_region: z.enum(DATA_REGIONS).nullable().optional(),
    attempt_log: z.array(attemptLogEntrySchema).max(MAX_ATTEMPTS).optional(),
    received_at: timestamp,
    /** First byte from the upstream; null when none arrived. */
    first_byte_at: timestamp.nullable(),
    /** When the response body ended: sent in full, failed, or abandoned by the client. */
    completed_at: timestamp,
    latency_ms: count,
    status: z.number().int().min(100).max(599),
    /** A router error code (snake_case), never a message. */
    error_code: routerCode.nullable(),
    prompt_tokens: count,
    completion_tokens: count,
    cached_tokens: count,
    reasoning_tokens: count,
    /**
     * The tokens are partly the router's count, not the provider's report: a
     * stream the client abandoned before the provider's final usage. Optional
     * so that events of routers deployed before the field still parse (absent
     * reads as false).
     */
    usage_estimated: z.boolean().optional(),
    /**
     * What the customer is charged (the provider cost plus the markup, at the
     * catalogue prices in force), in billionths of a US dollar: the amount the
     * account's limiter debited.
     */
    cost_nano_usd: count,
    /**
     * What the provider charges for the same usage, for the billing database
     * only (never shown to the customer). Optional so that events of routers
     * deployed before it still parse (absent: equal to `cost_nano_usd`, as
     * there was no markup then).
     */
    provider_cost_nano_usd: count.optional(),
    streamed: z.boolean(),
    client_aborted: z.boolean(),
    /**
     * The response cache's part in a model call: `hit` (answered from the
     * cache: no route, no tokens, no charge), `miss` (routed; the answer may
     * be stored) or `bypass` (the request did not opt in). Null for requests
     * that made no model call; optional so that events of routers deployed
     * before the cache still parse.
     */
    cache: z.enum(CACHE_STATUSES).nullable().optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).nullable(),
    user_agent: z.string().max(MAX_USER_AGENT_LENGTH).regex(/^[\x20-\x7e]*$/).nullable(),
    /** Cloudflare data centre (IATA code) that served the request. */
    edge_location: z.string().regex(/^[A-Z]{3,4}$/).nullable(),
  })
  .strict()
  .refine((e) => e.completed_at >= e.received_at && e.latency_ms === e.completed_at - e.received_at, {
    message: "latency_ms must equal completed_at - received_at",
    path: ["latency_ms"],
  })
  .refine((e) => e.attempt_log === undefined || e.attempt_log.length === e.attempts, {
    message: "attempts must equal the length of attempt_log",
    path: ["attempts"],
  });

export type LogEvent = z.infer<typeof logEventSchema>;

/**
 * Most events the router puts in one queue message. The schema bounds an
 * event to about 4.8 KB of JSON (the longest ids and model names, ten
 * attempts of the longest, a user agent of escaped characters), so even a
 * full message of those stays under Queues' 128 KB limit; typical events
 * (one attempt) are ~0.9 KB, ~23 KB for a full message.
 */
export const MAX_EVENTS_PER_MESSAGE = 25;

/**
 * Most events a message may hold when the logger reads it: routers deployed
 * before the attempt log packed up to 50 (smaller) events, and their
 * messages still in the queue must not be refused.
 */
export const MAX_EVENTS_ACCEPTED_PER_MESSAGE = 50;

/**
 * The queue message: the events one router isolate finished within a short
 * window (src/router/log-sender.ts). One message for many events is one
 * queue write, read and delete instead of one per request. The envelope is
 * checked here; each event is checked against logEventSchema on its own, so
 * one bad event does not cost the others.
 */
export const logMessageSchema = z
  .object({
    events: z.array(z.unknown()).min(1).max(MAX_EVENTS_ACCEPTED_PER_MESSAGE),
  })
  .strict();

export interface LogMessage {
  events: LogEvent[];
}

/** Keeps a client's user agent within the schema: printable ASCII, bounded length. */
export function sanitizeUserAgent(value: string | null | undefined): string | null {
  if (!value) return null;
  const cleaned = value.replace(/[^\x20-\x7e]/g, "").slice(0, MAX_USER_AGENT_LENGTH);
  return cleaned || null;
}

/**
 * What the event of an account that restricted processing (GDPR Art. 18)
 * leaves out: where the client is and what software it runs, which neither
 * billing, nor limits, nor security (which keys on the account and key ids)
 * needs. docs/privacy.md lists what stays; the API and the console state it.
 */
export const RESTRICTED_OMISSIONS = { ip: null, user_agent: null, edge_location: null } satisfies Partial<LogEvent>;
export const RESTRICTED_LOG_FIELDS = Object.keys(RESTRICTED_OMISSIONS) as (keyof typeof RESTRICTED_OMISSIONS)[];

/** Zod issues reduced to paths and codes: safe to log, because they never include the offending values. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.join(".") || "(root)"}: ${i.code}`);
}
