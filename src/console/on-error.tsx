/** @jsxImportSource hono/jsx */
/**
 * The console's one error handler: an ApiError (src/shared/errors.ts) is
 * shown with its status and message; anything else is a 500 that says
 * nothing of its cause (which is logged by type and frames only).
 */
import type { Context } from "hono";
import { ApiError, errorSummary } from "../shared/errors";
import type { ConsoleAppEnv } from "./env";
import { page, type PageOptions } from "./pages/layout";

export function onConsoleError(err: Error, c: Context<ConsoleAppEnv>): Response | Promise<Response> {
  if (err instanceof ApiError) {
    const status = ([400, 403, 404, 409] as const).find((s) => s === err.status) ?? 400;
    return page(c, { title: "Something needs your attention", status: status as PageOptions["status"] }, <p role="alert">{err.message}</p>);
  }
  console.error("console error", errorSummary(err));
  return c.html("<!doctype html><title>Error</title><p>Something went wrong on our side. Try again in a moment.</p>", 500);
}
