/** @jsxImportSource hono/jsx */
/**
 * The console's one error handler: an ApiError (src/shared/errors.ts) is
 * shown with its status and message; anything else is a 500 that says
 * nothing of its cause (which is logged by type and frames only).
 */
import type { Context } from "hono";
import { ApiError, errorSummary } from "../shared/errors";
import type { ConsoleAppEnv } from "./env";
import { ERROR_PAGE_STATUSES, page, type ErrorPageStatus } from "./pages/layout";

/** The ApiError's own status (a 401, a 429 or a 502 says what happened), or the nearest general one. */
function pageStatus(err: ApiError): ErrorPageStatus {
  return ERROR_PAGE_STATUSES.find((s) => s === err.status) ?? (err.status >= 500 ? 500 : 400);
}

export function onConsoleError(err: Error, c: Context<ConsoleAppEnv>): Response | Promise<Response> {
  if (err instanceof ApiError) {
    // Retry-After tells a 429's or 503's reader (and a browser's retry) when to come back.
    const retryAfter = Object.entries(err.headers).find(([name]) => name.toLowerCase() === "retry-after")?.[1];
    if (retryAfter !== undefined) c.header("retry-after", retryAfter);
    return page(c, { title: "Something needs your attention", status: pageStatus(err) }, <p role="alert">{err.message}</p>);
  }
  console.error("console error", errorSummary(err));
  return c.html("<!doctype html><title>Error</title><p>Something went wrong on our side. Try again in a moment.</p>", 500);
}
