/**
 * Builds a request's log event from what the router observed. Every value is
 * taken from router state (ids, catalogue entries, error codes, counters) or
 * normalised to the schema's patterns; nothing from a request or response
 * body is read here.
 */
import { z } from "zod";
import type { CallOutcome } from "../providers/types";
import { LOG_EVENT_VERSION, LOG_METHODS, MAX_ATTEMPTS, RESTRICTED_OMISSIONS, sanitizeUserAgent, type AttemptLogEntry, type LogEndpoint, type LogEvent, type LogMethod } from "../shared/log-event";
import { callCharge } from "./cost";
import type { AttemptRecord, AuthContext, CallRecord } from "./env";

export interface RequestFacts {
  requestId: string;
  method: string;
  path: string;
  receivedAt: number;
  /** Undefined when the request never authenticated, or erased its own account (then nothing links the event to it). */
  auth: AuthContext | undefined;
  /** The request erased its account: the event names no account and, as under restriction, carries no IP, user agent or location. */
  erasedCaller?: boolean;
  headers: Headers;
  /** `request.cf` (absent in some local setups). */
  cf: unknown;
}

export interface ResponseFacts {
  status: number;
  /** The code onError answered with, if any. */
  errorCode: string | undefined;
  /** The call the request made, if it reached a model call. */
  call: CallRecord | undefined;
  /** The client had gone before the handler returned (e.g. while waiting for upstream headers). */
  clientGoneEarly: boolean;
}

/** The code logged when a client goes away; the same as the 499 the router answers with then. */
export const CLIENT_CLOSED_CODE = "client_closed_request";
/**
 * The status logged for a client gone before a success reached it. An error
 * (a refusal, a failed upstream) keeps its own status and code: the request
 * failed whether or not the client stayed.
 */
const CLIENT_CLOSED_STATUS = 499;
const statusOf = (res: ResponseFacts) => (res.clientGoneEarly && res.status >= 200 && res.status < 300 ? CLIENT_CLOSED_STATUS : res.status);
/** The code logged when an upstream fails after its stream started (the status is already 200). */
export const STREAM_FAILED_CODE = "upstream_stream_error";

const ENDPOINTS: readonly [RegExp, LogEndpoint][] = [
  [/^\/v1\/chat\/completions\/?$/, "chat.completions"],
  [/^\/v1\/messages\/?$/, "messages"],
  [/^\/v1\/responses\/?$/, "responses"],
  [/^\/v1\/embeddings\/?$/, "embeddings"],
  [/^\/v1\/models(\/|$)/, "models"],
  [/^\/v1\/generation\/?$/, "generation"],
  [/^\/v1\/usage\/?$/, "usage"],
  [/^\/v1\/account(\/|$)/, "account"],
  [/^\/v1\/keys(\/|$)/, "keys"],
  [/^\/v1\/cache\/?$/, "cache"],
  [/^\/admin\//, "admin"],
];

/** The API a path belongs to: a fixed name, so a client-chosen path never reaches the log. */
export function endpointOf(path: string): LogEndpoint {
  return ENDPOINTS.find(([pattern]) => pattern.test(path))?.[1] ?? "other";
}

function methodOf(method: string): LogMethod {
  const upper = method.toUpperCase();
  return (LOG_METHODS as readonly string[]).includes(upper) ? (upper as LogMethod) : "OTHER";
}

const ipSchema = z.union([z.ipv4(), z.ipv6()]);

/** The client's address as Cloudflare's edge reports it; anything else is dropped. */
function clientIp(headers: Headers): string | null {
  const parsed = ipSchema.safeParse(headers.get("cf-connecting-ip")?.trim());
  return parsed.success ? parsed.data : null;
}

function edgeLocation(cf: unknown): string | null {
  const colo = typeof cf === "object" && cf !== null ? (cf as { colo?: unknown }).colo : undefined;
  return typeof colo === "string" && /^[A-Z]{3,4}$/.test(colo) ? colo : null;
}

function errorCodeOf(res: ResponseFacts, outcome: CallOutcome | null): string | null {
  if (res.errorCode) return res.errorCode;
  if (outcome?.result === "client_aborted" || statusOf(res) === CLIENT_CLOSED_STATUS) return CLIENT_CLOSED_CODE;
  if (outcome?.result === "upstream_error") return STREAM_FAILED_CODE;
  return null;
}

function attemptEntry(a: AttemptRecord): AttemptLogEntry {
  return { route: a.route, upstream_model: a.upstreamModel, code: a.code, status: a.status, latency_ms: Math.max(0, Math.round(a.latencyMs)) };
}

/**
 * The routing fields of the event. The event holds at most MAX_ATTEMPTS attempts: an attempt loop bounded
 * below that never reaches it, and should one go past, the last attempts
 * (the answering one among them) are kept rather than the event, and with it
 * the request's bill, refused.
 */
function routingOf(call: CallRecord | undefined): Pick<LogEvent, "attempts" | "route" | "data_region" | "attempt_log"> {
  if (!call) return { attempts: 0, route: null, data_region: null, attempt_log: [] };
  const attemptLog = call.attempts.slice(-MAX_ATTEMPTS).map(attemptEntry);
  const route = call.route;
  return { attempts: attemptLog.length, route: route?.endpoint ?? null, data_region: route?.region ?? null, attempt_log: attemptLog };
}

/**
 * What the log says answered: the answering route's upstream model when a
 * route answered, else the model's first route's (a call refused or failed
 * before any route answered).
 */
function answeredBy(call: CallRecord | undefined) {
  if (!call) return null;
  return { upstreamModel: (call.route ?? call.model.routes[0]!).upstreamModel };
}

/** The event for one request; `outcome` is the settled call outcome if the chat route made a call. */
export function buildLogEvent(req: RequestFacts, res: ResponseFacts, outcome: CallOutcome | null, completedAt: number): LogEvent {
  const model = res.call?.model ?? null;
  const answered = answeredBy(res.call);
  const usage = outcome?.usage ?? null;
  // The customer price, and the provider cost for the billing database: what the limiter debited.
  const charge = res.call ? callCharge(res.call, usage) : { priceNano: 0, providerCostNano: 0 };
  const completed = Math.max(completedAt, req.receivedAt);
  const event: LogEvent = {
    v: LOG_EVENT_VERSION,
    request_id: req.requestId,
    account_id: req.auth?.accountId ?? null,
    key_id: req.auth?.keyId ?? null,
    endpoint: endpointOf(req.path),
    method: methodOf(req.method),
    model: model?.id ?? null,
    provider: model?.provider ?? null,
    upstream_model: answered?.upstreamModel ?? null,
    ...routingOf(res.call),
    received_at: req.receivedAt,
    first_byte_at: outcome?.firstByteAt ?? null,
    completed_at: completed,
    latency_ms: completed - req.receivedAt,
    status: statusOf(res),
    error_code: errorCodeOf(res, outcome),
    prompt_tokens: usage?.promptTokens ?? 0,
    completion_tokens: usage?.completionTokens ?? 0,
    cached_tokens: usage?.cachedTokens ?? 0,
    reasoning_tokens: usage?.reasoningTokens ?? 0,
    usage_estimated: outcome?.usageEstimated === true,
    cost_nano_usd: charge.priceNano,
    provider_cost_nano_usd: charge.providerCostNano,
    streamed: res.call?.streamed ?? false,
    client_aborted: outcome?.result === "client_aborted" || res.clientGoneEarly,
    cache: res.call?.cache ?? null,
    ip: clientIp(req.headers),
    user_agent: sanitizeUserAgent(req.headers.get("user-agent")),
    edge_location: edgeLocation(req.cf),
  };
  return req.auth?.restricted || req.erasedCaller ? { ...event, ...RESTRICTED_OMISSIONS } : event;
}
