/**
 * Reads the session cookie on every request (c.var.session, null when signed
 * out); `requireSession` sends the signed-out to the sign-in page.
 */
import type { Context, MiddlewareHandler } from "hono";
import { errors } from "../../shared/errors";
import { readSession } from "../auth/session";
import type { ConsoleAppEnv, SessionInfo } from "../env";

export function session(): MiddlewareHandler<ConsoleAppEnv> {
  return async (c, next) => {
    c.set("session", await readSession(c));
    await next();
  };
}

/** Pages behind sign-in: a signed-out GET goes to /sign-in (and back after), anything else is a 401. */
export function requireSession(): MiddlewareHandler<ConsoleAppEnv> {
  return async (c, next) => {
    if (c.get("session")) return next();
    if (c.req.method === "GET") {
      const back = new URL(c.req.url);
      return c.redirect(`/sign-in?next=${encodeURIComponent(back.pathname + back.search)}`, 303);
    }
    return c.text("Your session has ended. Sign in again.", 401);
  };
}

/** The session of a page behind requireSession (a 401 should one ever be mounted outside it). */
export function signedIn(c: Context<ConsoleAppEnv>): SessionInfo {
  const current = c.get("session");
  if (!current) throw errors.unauthorized("Your session has ended. Sign in again.");
  return current;
}
