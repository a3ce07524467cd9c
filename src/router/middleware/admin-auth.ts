import { createMiddleware } from "hono/factory";
import { timingSafeEqualStrings } from "../../shared/crypto";
import { errors } from "../../shared/errors";
import type { AppEnv } from "../env";
import { hasHandler } from "../method-not-allowed";
import { bearerToken, rejectQueryCredentials } from "./credentials";

/**
 * Guards the operator API with `Authorization: Bearer <ADMIN_TOKEN>`, compared in
 * constant time. With no ADMIN_TOKEN configured the operator API is closed.
 * A method the path does not take is left to notFound (405) before any check.
 */
export function adminAuth() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!hasHandler(c)) return c.notFound();
    rejectQueryCredentials(c.req.url);
    const token = c.env.ADMIN_TOKEN;
    const header = c.req.header("authorization");
    const presented = header ? bearerToken(header) : null;
    if (!token || !presented || !(await timingSafeEqualStrings(presented, token))) {
      throw errors.unauthorized("Invalid or missing admin token.", "invalid_admin_token");
    }
    await next();
  });
}
