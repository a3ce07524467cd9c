import { createMiddleware } from "hono/factory";
import { timingSafeEqualStrings } from "../../shared/crypto";
import { errors } from "../../shared/errors";
import type { AppEnv } from "../env";

/**
 * Guards the operator API with `Authorization: Bearer <ADMIN_TOKEN>`, compared in
 * constant time. With no ADMIN_TOKEN configured the operator API is closed.
 */
export function adminAuth() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = c.env.ADMIN_TOKEN;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    if (!token || !match || !(await timingSafeEqualStrings(match[1]!, token))) {
      throw errors.unauthorized("Invalid or missing admin token.", "invalid_admin_token");
    }
    await next();
  });
}
