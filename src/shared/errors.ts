/**
 * The one error type of the router. Everything that should reach a client as an
 * error is thrown as an ApiError; `onError` (src/router/on-error.ts) is the single
 * place that turns it into a response of the route's error shape.
 */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "insufficient_quota"
  | "upstream_error"
  | "timeout_error"
  | "api_error";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers: Record<string, string> = {},
    /**
     * An upstream's own retry hint in milliseconds, when it gave one: the
     * router's attempt loop waits on it before retrying the same route.
     */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The same error with more response headers (the router's receipts and rate-limit headers). */
  withHeaders(extra: Record<string, string>): ApiError {
    return new ApiError(this.status, this.type, this.code, this.message, this.param, { ...extra, ...this.headers }, this.retryAfterMs);
  }
}

/**
 * An unexpected error's type and where it was thrown, without its message:
 * runtime messages can quote the data being handled (a JSON.parse error
 * quotes the text it failed on, which may be a prompt or a response).
 */
export function errorSummary(err: Error): string {
  const frames = (err.stack ?? "").split("\n").filter((line) => line.trimStart().startsWith("at ")).slice(0, 8);
  return [err.name, ...frames.map((f) => f.trim())].join(" | ");
}

/**
 * Retry-After (seconds) of a 429 or 503 when nothing better is known, e.g. an
 * upstream that gave no hint. Rate limits are per minute, so a few seconds is
 * usually too early and a minute too late; OpenAI's SDK, told nothing, retries
 * within ~8 s.
 */
export const DEFAULT_RETRY_AFTER_S = 10;

export const errors = {
  invalidRequest: (message: string, param: string | null = null, code = "invalid_request") =>
    new ApiError(400, "invalid_request_error", code, message, param),
  unauthorized: (message: string, code = "invalid_api_key") =>
    new ApiError(401, "authentication_error", code, message),
  forbidden: (message: string, code: string, param: string | null = null) => new ApiError(403, "permission_error", code, message, param),
  notFound: (message: string, code = "not_found", param: string | null = null) =>
    new ApiError(404, "not_found_error", code, message, param),
  /** 402: the prepaid balance cannot cover the request's estimated maximum price (code insufficient_credits), or a key's budget (budget_exceeded). */
  paymentRequired: (message: string, code: "insufficient_credits" | "budget_exceeded") => new ApiError(402, "insufficient_quota", code, message),
  conflict: (message: string, code: string) => new ApiError(409, "invalid_request_error", code, message),
  tooLarge: (limitBytes: number) =>
    new ApiError(413, "request_too_large", "request_too_large", `Request body exceeds ${limitBytes} bytes.`),
  unsupportedMediaType: () =>
    new ApiError(415, "invalid_request_error", "unsupported_media_type", "The request body must be JSON: send it with the header 'Content-Type: application/json'."),
  upstream: (message: string, code = "upstream_error") => new ApiError(502, "upstream_error", code, message),
  upstreamTimeout: (message = "The upstream provider did not respond in time.", code = "upstream_timeout") =>
    new ApiError(504, "timeout_error", code, message),
};
