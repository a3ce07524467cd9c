/** @jsxImportSource hono/jsx */
/**
 * Request logs: GET /logs lists the account's requests of the last 30 days,
 * newest first, 50 a page (a keyset "Older" link), filtered by model, status
 * and key through a GET form; GET /logs/<request id> shows one request's
 * metadata. Another account's request is "not found", like an unknown id.
 */
import { Hono } from "hono";
import { z } from "zod";
import { coreDb, logsDb } from "../../db/client";
import { findAccountKey, listKeys } from "../../db/keys";
import { listAccountRequestLogs, type RequestLogFilter } from "../../db/request-log-queries";
import { findRequestLog } from "../../db/request-logs";
import { requestIdSchema } from "../../shared/log-event";
import { LOG_RETENTION_MS } from "../../shared/retention";
import { signedIn } from "../middleware/session";
import type { ConsoleAppEnv } from "../env";
import { page } from "../pages/layout";
import { LogDetail } from "../pages/log-detail";
import { LogFilterForm, LogTable, type LogFilters } from "../pages/log-list";

export const LOGS_PAGE_SIZE = 50;

/** An empty field of the form means "any". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const listQuery = z.object({
  model: optional(z.string().trim().min(1).max(130)),
  status: optional(z.union([z.enum(["success", "error"]), z.string().regex(/^[1-5]\d\d$/).transform(Number)])),
  key: optional(z.string().regex(/^key_[0-9a-f]{32}$/)),
  /** The cursor: `<received_at>.<request id>` of the last row of the page before. */
  before: optional(
    z
      .string()
      .regex(/^\d{1,16}\.req_[0-9a-f]{32}$/)
      .transform((v) => ({ receivedAt: Number(v.slice(0, v.indexOf("."))), requestId: v.slice(v.indexOf(".") + 1) })),
  ),
});

/** The list's address with these filters (and cursor), for the "Older" and "Newest" links. */
function listHref(filters: LogFilters, before?: string): string {
  const q = new URLSearchParams();
  if (filters.model) q.set("model", filters.model);
  if (filters.status !== undefined) q.set("status", String(filters.status));
  if (filters.keyId) q.set("key", filters.keyId);
  if (before) q.set("before", before);
  const s = q.toString();
  return s ? `/logs?${s}` : "/logs";
}

export const logsPages = new Hono<ConsoleAppEnv>()
  .get("/", async (c) => {
    const accountId = signedIn(c).accountId;
    const parsed = listQuery.safeParse(c.req.query());
    const query = parsed.success ? parsed.data : {};
    const filters: LogFilters = { model: query.model, status: query.status, keyId: query.key };
    const filter: RequestLogFilter = { ...filters, since: Date.now() - LOG_RETENTION_MS, before: query.before };
    const [keys, found] = await Promise.all([
      listKeys(coreDb(c.env.DB), accountId),
      // One row more than a page says whether an older page exists.
      listAccountRequestLogs(logsDb(c.env.LOGS_DB), accountId, filter, LOGS_PAGE_SIZE + 1),
    ]);
    const rows = found.slice(0, LOGS_PAGE_SIZE);
    const last = rows.at(-1);
    const older = found.length > LOGS_PAGE_SIZE && last ? listHref(filters, `${last.receivedAt}.${last.requestId}`) : null;
    return page(
      c,
      { title: "Request logs", active: "/logs", status: parsed.success ? 200 : 400, styles: ["/assets/usage.css"] },
      <>
        {parsed.success ? null : <p role="alert">Those filters are not valid; showing every request.</p>}
        <p>
          The last 30 days of your requests: metadata only (model, route, status, tokens, cost, timings), never what was sent or answered.
        </p>
        <LogFilterForm filters={filters} keys={keys} />
        {rows.length > 0 ? <LogTable rows={rows} keys={new Map(keys.map((k) => [k.id, k]))} /> : <p>No requests match.</p>}
        {query.before || older ? (
          <nav aria-label="Pages" class="pager">
            {query.before ? <a href={listHref(filters)}>Newest</a> : null} {older ? <a href={older} rel="next">Older</a> : null}
          </nav>
        ) : null}
      </>,
    );
  })
  .get("/:id", async (c) => {
    const accountId = signedIn(c).accountId;
    const id = c.req.param("id");
    const log = requestIdSchema.safeParse(id).success ? await findRequestLog(logsDb(c.env.LOGS_DB), accountId, id) : undefined;
    if (!log) {
      return page(c, { title: "Request not found", active: "/logs", status: 404 }, (
        <p>
          No request with this id in your account's logs (they keep 30 days). <a href="/logs">Back to the request logs</a>
        </p>
      ));
    }
    const apiKey = log.keyId === null ? undefined : await findAccountKey(coreDb(c.env.DB), accountId, log.keyId);
    return page(c, { title: `Request ${log.requestId}`, active: "/logs", styles: ["/assets/usage.css"] }, <LogDetail log={log} apiKey={apiKey} />);
  });
