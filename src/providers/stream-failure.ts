/**
 * An upstream's own error inside a 200 stream, as the router's error. Every
 * provider can fail after its headers: Anthropic sends `event: error` with
 * `{"type":"error","error":{"type":"overloaded_error",...}}`
 * (https://docs.anthropic.com/en/api/messages-streaming#error-events), OpenAI
 * a `data: {"error":{message,type,param,code}}` event, and Gemini an error
 * body such as `{"error":{"code":503,"status":"UNAVAILABLE",...}}`. Before the
 * stream has produced content the error is the call's (the router may try
 * another route); after, it ends the stream with an error event.
 */
import { ApiError, DEFAULT_RETRY_AFTER_S, errors } from "../shared/errors";

/** Error kinds that say "busy, try again": the caller may retry or go elsewhere. */
const BUSY = /overload|rate.?limit|capacity|unavailable|exhausted|^(429|503|529)$/i;

/** The provider's error kind as it may appear in a message: a short identifier, nothing else. */
const kindOf = (kind: string) => kind.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 64) || "unknown";

/**
 * The router's error for an upstream's in-stream error of `kind` (its type,
 * code or status): 503 `upstream_unavailable` with a Retry-After (the
 * provider's hint, else the default) when the upstream is busy, else 502
 * `upstream_error`. The provider's message is not passed on.
 */
export function inStreamError(provider: string, kind: string, retryAfterS: number | null = null): ApiError {
  const k = kindOf(kind);
  if (BUSY.test(k)) {
    const retryAfter = String(Math.max(1, Math.ceil(retryAfterS ?? DEFAULT_RETRY_AFTER_S)));
    return new ApiError(503, "upstream_error", "upstream_unavailable", `The ${provider} API is overloaded or unavailable (${k}); retry later.`, null, { "retry-after": retryAfter });
  }
  return errors.upstream(`The ${provider} API failed while streaming (${k}).`);
}

/** The stream ended, or its connection dropped, before any content: the attempt failed, nothing was sent. */
export const streamEndedEarly = (dropped: boolean) =>
  dropped
    ? errors.upstream("The connection to the upstream provider was lost before it sent any content.", "upstream_stream_interrupted")
    : errors.upstream("The upstream provider ended its stream before sending any content.", "upstream_stream_incomplete");

/** The upstream went silent for longer than the call's idle timeout. */
export const streamIdleError = (idleTimeoutMs: number) =>
  errors.upstreamTimeout(`The upstream provider sent nothing for ${Math.round(idleTimeoutMs / 1000)} s while streaming.`, "upstream_stream_timeout");

/** The upstream kept its stream open (pings, keep-alives) but sent no content within the attempt's first-byte timeout. */
export const streamCommitTimeoutError = () =>
  errors.upstreamTimeout("The upstream provider sent no content within its first-byte timeout.", "upstream_stream_timeout");
