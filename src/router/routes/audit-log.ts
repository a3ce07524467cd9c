import { Hono } from "hono";
import { z } from "zod";
import { auditEntriesNewestFirst, findAuditEntry } from "../../db/audit-log";
import { coreDb } from "../../db/client";
import { errors } from "../../shared/errors";
import { validationError } from "../body";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { auditEntryView } from "../../self-service/views";

/** Entries per page unless `limit` says otherwise, and the most it may ask (OpenAI's list defaults). */
const DEFAULT_LIMIT = 20;
export const MAX_AUDIT_LOG_LIMIT = 100;

const auditId = z.string().regex(/^audit_[0-9a-f]{32}$/, "must be an audit entry id");

/** `after` is OpenAI's name for the cursor, `starting_after` Stripe's; either, not both. */
export const auditLogQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_AUDIT_LOG_LIMIT).default(DEFAULT_LIMIT),
    after: auditId.optional(),
    starting_after: auditId.optional(),
  })
  .strict()
  .refine((q) => !(q.after && q.starting_after), { message: "give 'after' or 'starting_after', not both", path: ["starting_after"] });

/**
 * `GET /v1/audit-log?limit=&after=`: the account's audit entries, newest
 * first, as an OpenAI list. The cursor is an entry id from an earlier page;
 * an id that is not this account's entry is a 404, like an unknown one.
 */
export const auditLogRoutes = new Hono<AppEnv>().use(apiKeyAuth("manage")).get("/", async (c) => {
  const parsed = auditLogQuery.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error);
  const { limit, after, starting_after } = parsed.data;
  const cursorId = after ?? starting_after;
  const { accountId } = c.get("auth");
  const db = coreDb(c.env.DB);
  const cursor = cursorId ? await findAuditEntry(db, accountId, cursorId) : null;
  if (cursorId && !cursor) throw errors.notFound("No audit entry with this id for this account.", "audit_entry_not_found", after ? "after" : "starting_after");
  // One row more than asked tells whether another page follows.
  const rows = await auditEntriesNewestFirst(db, accountId, cursor ?? null, limit + 1);
  const data = rows.slice(0, limit).map(auditEntryView);
  c.header("cache-control", "no-store");
  return c.json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: rows.length > limit });
});
