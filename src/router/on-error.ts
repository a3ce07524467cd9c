import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, DEFAULT_RETRY_AFTER_S, errorSummary } from "../shared/errors";
import type { AppEnv } from "./env";

/** Anthropic's error type names for the router's statuses. */
function anthropicType(err: ApiError): string {
  switch (err.status) {
    case 400:
    case 405:
    case 413:
    case 415:
      return err.status === 413 ? "request_too_large" : "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return "api_error";
  }
}

/**
 * The one place errors become responses. An ApiError keeps its status and code;
 * anything else is a bug and becomes a 500 whose details stay in the log.
 */
export function onError(err: Error, c: Context<AppEnv>): Response {
  let apiError: ApiError;
  if (err instanceof ApiError) apiError = err;
  else if (err instanceof HTTPException) apiError = new ApiError(err.status, "invalid_request_error", "http_error", err.message || "Bad request.");
  else {
    console.error("unhandled error", c.get("requestId"), errorSummary(err));
    apiError = new ApiError(500, "api_error", "internal_error", "The router failed to handle this request.");
  }
  // The code (never the message, which may echo upstream text) goes into the request's log event.
  c.set("errorCode", apiError.code);
  const body =
    c.get("errorShape") === "anthropic"
      ? { type: "error", error: { type: anthropicType(apiError), message: apiError.message } }
      : { error: { message: apiError.message, type: apiError.type, code: apiError.code, param: apiError.param } };
  // Every 429 says when to retry; the ones the router makes set their own.
  const retry: Record<string, string> = apiError.status === 429 && !("retry-after" in apiError.headers) ? { "retry-after": String(DEFAULT_RETRY_AFTER_S) } : {};
  return new Response(JSON.stringify(body), {
    status: apiError.status,
    headers: { "content-type": "application/json", ...retry, ...apiError.headers },
  });
}
