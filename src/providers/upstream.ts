/**
 * The one place that calls a provider over the network. It decides what leaves
 * the router: the URL comes from operator configuration only, headers are built
 * here from scratch (no client header is copied), redirects are never followed,
 * and a provider that is slow to answer is cut off.
 */
import type { z } from "zod";
import { ApiError, DEFAULT_RETRY_AFTER_S, errors } from "../shared/errors";
import type { ProviderConfig } from "./types";

export interface UpstreamRequest {
  config: ProviderConfig;
  /** Path below the configured base URL, e.g. "/chat/completions". Never client input. */
  path: string;
  headers: Record<string, string>;
  body: unknown;
  clientSignal: AbortSignal;
}

const USER_AGENT = "emby-router/0.1";

/** Joins an operator-configured base URL and a fixed path without doubling slashes. */
export function upstreamUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "") + path;
}

/**
 * POSTs JSON upstream. Resolves once response headers arrive; the timeout covers
 * only that wait, so a long stream is not cut off halfway. The client's abort
 * signal stays linked for the whole body, so a disconnect cancels the upstream.
 */
export async function postUpstream(req: UpstreamRequest): Promise<Response> {
  if (!req.config.apiKey && !req.config.accessToken) throw errors.upstream("The provider is not configured on this router.", "provider_not_configured");
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(new DOMException("client disconnected", "AbortError"));
  // Gone already: nothing is sent, so the provider bills nothing.
  if (req.clientSignal.aborted) throw new ClientClosedError(false);
  req.clientSignal.addEventListener("abort", onClientAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException("upstream timeout", "TimeoutError"));
  }, req.config.timeoutMs);
  try {
    const res = await fetch(upstreamUrl(req.config.baseUrl, req.path), {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...req.headers },
      body: JSON.stringify(req.body),
      redirect: "manual",
      signal: controller.signal,
    });
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw errors.upstream("The upstream provider answered with a redirect, which the router does not follow.", "upstream_redirect");
    }
    return res;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (timedOut) throw errors.upstreamTimeout();
    if (req.clientSignal.aborted) throw new ClientClosedError(true);
    throw errors.upstream("Could not reach the upstream provider.", "upstream_unreachable");
  } finally {
    clearTimeout(timer);
  }
}

/** The client left before its answer: logged as 499, which nobody receives. */
export class ClientClosedError extends ApiError {
  /** Whether the request had gone to the provider, which then bills its prompt. */
  constructor(readonly upstreamSent: boolean) {
    super(499, "api_error", "client_closed_request", "The client closed the request.");
  }
}

/**
 * Reads a non-streamed upstream body whole. A body cut off partway (the
 * provider or a proxy dropped the connection, or the client left, which
 * cancels the upstream) is a 502 `upstream_interrupted` or a 499, never a
 * crash, and not confused with a complete body that is not JSON.
 */
export async function readUpstreamBody(res: Response, provider: string, clientSignal: AbortSignal): Promise<string> {
  try {
    return await res.text();
  } catch {
    if (clientSignal.aborted) throw new ClientClosedError(true);
    throw errors.upstream(`The connection to the ${provider} API was lost before its answer was complete; retry the request.`, "upstream_interrupted");
  }
}

/**
 * Reads a non-streamed upstream answer whole (see readUpstreamBody) and checks
 * it against the schema of what the router reads of it: a body that is not
 * JSON, or not of that shape, is a 502 `upstream_invalid_response`, a failure
 * of the route. The text comes back too, for callers that pass it on as received.
 */
export async function readUpstreamJson<T>(res: Response, provider: string, clientSignal: AbortSignal, schema: z.ZodType<T>): Promise<{ text: string; data: T }> {
  const text = await readUpstreamBody(res, provider, clientSignal);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw errors.upstream(`The ${provider} API returned a response that is not JSON.`, "upstream_invalid_response");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw errors.upstream(`The ${provider} API returned an unexpected response.`, "upstream_invalid_response");
  return { text, data: parsed.data };
}

export const MAX_ERROR_BODY = 64 * 1024;

/**
 * An error response's body, cut to MAX_ERROR_BODY. A body lost partway (the
 * connection dropped, or the client left and cancelled the upstream) throws
 * the router's error for that: 502 `upstream_interrupted`, so the attempt
 * loop moves on like for any failed route, or a 499 when the client left.
 */
export async function readErrorBody(res: Response, provider: string, clientSignal?: AbortSignal): Promise<string> {
  try {
    return (await res.text()).slice(0, MAX_ERROR_BODY);
  } catch {
    if (clientSignal?.aborted) throw new ClientClosedError(true);
    throw errors.upstream(`The connection to the ${provider} API was lost while it reported an error (HTTP ${res.status}).`, "upstream_interrupted");
  }
}

/** A hint beyond a day is a quota, not a rate limit; it is capped rather than passed on. */
const MAX_RETRY_AFTER_S = 86_400;

/**
 * A duration in seconds: OpenAI's reset headers ("20ms", "1.5s", "6m0s",
 * "1h2m3s"), and protobuf Durations in JSON (Gemini's RetryInfo: "27s", "1.5s").
 */
export function durationSeconds(value: string | null): number | null {
  if (!value || !/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(value)) return null;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, n, , u] of value.matchAll(/(\d+(\.\d+)?)(h|ms|m|s)/g)) total += Number(n) * unit[u!]!;
  return total;
}

/** Retry-After as sent: delay-seconds, or an HTTP-date (RFC 9110, 10.2.3). */
function retryAfterSeconds(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : (date - now) / 1000;
}

/**
 * The wait an upstream asked for after a 429 or 503, in milliseconds, or null
 * when it gave no hint: its Retry-After (seconds or HTTP-date), else
 * `retry-after-ms`, else OpenAI's x-ratelimit-reset-* of the exhausted limit.
 */
export function upstreamRetryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = headers.get("retry-after-ms");
  const exhausted = (["requests", "tokens"] as const)
    .filter((kind) => headers.get(`x-ratelimit-remaining-${kind}`) === "0")
    .map((kind) => durationSeconds(headers.get(`x-ratelimit-reset-${kind}`)))
    .filter((s): s is number => s !== null);
  const seconds =
    retryAfterSeconds(headers.get("retry-after"), now) ??
    (ms && /^\d+(\.\d+)?$/.test(ms) ? Number(ms) / 1000 : null) ??
    (exhausted.length > 0 ? Math.max(...exhausted) : null);
  return seconds === null ? null : Math.min(MAX_RETRY_AFTER_S, Math.max(0, seconds)) * 1000;
}

/** Retry-After for the client, in whole seconds (at least 1): the upstream's hint, else DEFAULT_RETRY_AFTER_S. */
export function retryAfterHeaderSeconds(hintMs: number | null): number {
  const seconds = hintMs === null ? DEFAULT_RETRY_AFTER_S : hintMs / 1000;
  return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(seconds)));
}

/** How long a client should wait after an upstream 429 or 503, in whole seconds (see upstreamRetryAfterMs). */
export function upstreamRetryAfter(headers: Headers, now = Date.now()): number {
  return retryAfterHeaderSeconds(upstreamRetryAfterMs(headers, now));
}

/** Pulls a human-readable message out of the error bodies providers send. */
function upstreamMessage(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const p = parsed as Record<string, unknown>;
  const nested = p.error as Record<string, unknown> | undefined;
  if (nested && typeof nested.message === "string") return nested.message;
  if (typeof p.message === "string") return p.message;
  // FastAPI-style validation errors (Mistral 422): {detail: [{loc, msg}]}
  const detail = (p.detail ?? (p.message as Record<string, unknown> | undefined)?.detail) as unknown;
  if (Array.isArray(detail) && detail.length > 0) {
    const first = detail[0] as { msg?: unknown; loc?: unknown };
    const loc = Array.isArray(first.loc) ? first.loc.join(".") : "";
    if (typeof first.msg === "string") return loc ? `${loc}: ${first.msg}` : first.msg;
  }
  return null;
}

/**
 * Maps a non-2xx upstream response to the router's error. Client mistakes (4xx)
 * pass the provider's message on; failures of the router's own credentials or of
 * the provider become 502/503, so a client is never told its key is wrong when
 * the operator's is.
 */
export async function upstreamError(res: Response, provider: string, clientSignal?: AbortSignal): Promise<ApiError> {
  const text = await readErrorBody(res, provider, clientSignal);
  const message = upstreamMessage(text) ?? `The ${provider} API returned HTTP ${res.status}.`;
  const hintMs = upstreamRetryAfterMs(res.headers);
  const retryHeaders = { "retry-after": String(retryAfterHeaderSeconds(hintMs)) };
  const s = res.status;
  if (s === 401 || s === 403) {
    return errors.upstream(`The ${provider} API rejected the router's credentials.`, "upstream_auth_error");
  }
  // The operator's account with the provider is out of credit: not the
  // client's error, and another route may still serve the request.
  if (s === 402) return errors.upstream(`The ${provider} API refused the router's account (payment required).`, "upstream_payment_required");
  // The router checked the model against its catalogue, so an endpoint that
  // does not know it is a route that cannot serve it (an Azure deployment
  // that is gone, a model not offered in that region, a retired upstream
  // name): a failure of the route, so the next one is tried. Its message
  // may name what is the operator's (a deployment, a cloud project): it is
  // not passed on.
  if (s === 404) return errors.upstream(`The ${provider} API does not serve this model on this route (HTTP 404).`, "upstream_model_not_found");
  if (s === 408) return errors.upstreamTimeout();
  if (s === 413) return new ApiError(413, "request_too_large", "request_too_large", message);
  if (s === 429) return new ApiError(429, "rate_limit_error", "upstream_rate_limited", message, null, retryHeaders, hintMs);
  if (s >= 400 && s < 500) return new ApiError(400, "invalid_request_error", "upstream_invalid_request", message);
  if (s === 503 || s === 529) {
    return new ApiError(503, "upstream_error", "upstream_unavailable", `The ${provider} API is overloaded or unavailable.`, null, retryHeaders, hintMs);
  }
  return errors.upstream(`The ${provider} API failed with HTTP ${s}.`);
}
