import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * Gives every request an id and puts it on every response as `x-request-id`,
 * errors included, along with the limiter's x-ratelimit-* headers once the
 * request was admitted (so an upstream error still reports them). The id is
 * generated here, never taken from the client, so it can key the log record.
 */
export function requestId() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const id = `req_${crypto.randomUUID().replaceAll("-", "")}`;
    c.set("requestId", id);
    await next();
    const headers: Record<string, string> = { ...c.get("rateLimitHeaders"), "x-request-id": id };
    try {
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    } catch {
      // Immutable headers (a response passed through as received): copy once.
      c.res = new Response(c.res.body, c.res);
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    }
  });
}
