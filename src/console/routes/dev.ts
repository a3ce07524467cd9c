/**
 * GET /dev/outbox: the mail the console would have sent, when
 * EMAIL_TRANSPORT is "outbox" (local development and tests). A 404 in
 * production. `npm run dev` polls it to print sign-in links.
 *
 * Mounted before the preferences and session middleware, so its 404 is a
 * plain one: the console's page shell needs what those middleware set.
 */
import { Hono } from "hono";
import type { ConsoleAppEnv } from "../env";
import { outboxSince } from "../../mail/outbox";

export const devRoutes = new Hono<ConsoleAppEnv>().get("/outbox", (c) => {
  if (c.env.EMAIL_TRANSPORT !== "outbox") return c.text("Not found", 404);
  const after = Number(c.req.query("after") ?? "0");
  return c.json({ mail: outboxSince(Number.isFinite(after) ? after : 0) });
});
