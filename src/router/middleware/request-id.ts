import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * Gives every request an id and puts it on every response as `x-request-id`,
 * errors included. The id is generated here, never taken from the client, so
 * it can key the log record.
 */
export function requestId() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const id = `req_${crypto.randomUUID().replaceAll("-", "")}`;
    c.set("requestId", id);
    await next();
    try {
      c.res.headers.set("x-request-id", id);
    } catch {
      // Immutable headers (a response passed through as received): copy once.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set("x-request-id", id);
    }
  });
}
