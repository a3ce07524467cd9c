/**
 * CSRF protection for every state-changing request (anything but GET, HEAD,
 * OPTIONS), in two layers:
 * 1. Origin: the request's Origin header must be the console's own origin.
 *    Browsers send it on every cross-site and same-site POST; a request that
 *    has none is refused too (a form post from a page that strips it).
 * 2. Token: a signed-in request carries the session's CSRF token, in the
 *    form field `_csrf` or the header `x-csrf-token`, compared in constant
 *    time. Signed-out forms (sign-in, sign-up) rely on layer 1 and SameSite.
 */
import type { MiddlewareHandler } from "hono";
import { timingSafeEqualStrings } from "../../shared/crypto";
import { consoleOrigin, type ConsoleAppEnv } from "../env";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

export function csrf(): MiddlewareHandler<ConsoleAppEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    if (!origin || origin !== consoleOrigin(c.env, c.req.url)) {
      return c.text("Refused: this request did not come from the console's own pages (Origin check).", 403);
    }
    const session = c.get("session");
    if (session) {
      let token = c.req.header(CSRF_HEADER);
      if (!token) {
        const type = c.req.header("content-type") ?? "";
        if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
          const field = (await c.req.parseBody())[CSRF_FIELD];
          token = typeof field === "string" ? field : undefined;
        }
      }
      if (!token || !(await timingSafeEqualStrings(token, session.csrfToken))) {
        return c.text("Refused: the form's security token is missing or out of date. Reload the page and try again.", 403);
      }
    }
    return next();
  };
}
