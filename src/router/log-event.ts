/**
 * Builds a request's log event from what the router observed. Every value is
 * taken from router state (ids, catalogue entries, error codes, counters) or
 * normalised to the schema's patterns; nothing from a request or response
 * body is read here.
 */
import { z } from "zod";
import type { CallOutcome } from "../providers/types";
import { LOG_EVENT_VERSION, LOG_METHODS, sanitizeUserAgent, type LogEndpoint, type LogEvent, type LogMethod } from "../shared/log-event";
import { costNanoUsd } from "./cost";
import type { AuthContext, CallRecord } from "./env";

export interface RequestFacts {
  requestId: string;
  method: string;
  path: string;
  receivedAt: number;
  /** Undefined when the request never authenticated. */
  auth: AuthContext | undefined;
  headers: Headers;
  /** `request.cf` (absent in some local setups). */
  cf: unknown;
}

export interface ResponseFacts {
  status: number;
  /** The code onError answered with, if any. */
  errorCode: string | undefined;
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
  [/^\/v1\/models(\/|$)/, "models"],
  [/^\/v1\/generation\/?$/, "generation"],
  [/^\/v1\/usage\/?$/, "usage"],
  [/^\/v1\/account(\/|$)/, "account"],
  [/^\/v1\/keys(\/|$)/, "keys"],
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

/** The event for one request; `outcome` is the settled call outcome if the chat route made a call. */
export function buildLogEvent(req: RequestFacts, res: ResponseFacts, outcome: CallOutcome | null, completedAt: number): LogEvent {
  const model = res.call?.model ?? null;
  // The answering route's name and prices; the model's first route when none answered.
  const route = res.call?.route ?? model?.routes[0] ?? null;
  const usage = outcome?.usage ?? null;
  const completed = Math.max(completedAt, req.receivedAt);
  return {
    v: LOG_EVENT_VERSION,
    request_id: req.requestId,
    account_id: req.auth?.accountId ?? null,
    key_id: req.auth?.keyId ?? null,
    endpoint: endpointOf(req.path),
    method: methodOf(req.method),
    model: model?.id ?? null,
    provider: model?.provider ?? null,
    upstream_model: route?.upstreamModel ?? null,
    attempts: res.call?.attempts.length ?? 0,
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
    cost_nano_usd: route && usage ? costNanoUsd(route.pricing, usage) : 0,
    streamed: res.call?.streamed ?? false,
    client_aborted: outcome?.result === "client_aborted" || res.clientGoneEarly,
    ip: clientIp(req.headers),
    user_agent: sanitizeUserAgent(req.headers.get("user-agent")),
    edge_location: edgeLocation(req.cf),
  };
}
