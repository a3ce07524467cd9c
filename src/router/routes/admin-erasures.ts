/**
 * Operator erasure routes, mounted under /admin/v1 (admin token, no-store):
 * erasing an account at once on a request that reached the operator (or to
 * finish one that failed half-way), and re-applying the erasure journal after
 * a database restore (scripts/d1-restore.ts; docs/erasure.md).
 */
import { Hono } from "hono";
import { z } from "zod";
import { erasureDbs, readJournal } from "../../db/erasure";
import { reapplyErasures, restoreJournal, restoreSources } from "../../db/erasure-reapply";
import { errors } from "../../shared/errors";
import { PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS } from "../../shared/retention";
import { eraseNow } from "../account/erase";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { iso } from "../../self-service/views";

export const eraseAccountBody = z.object({ account_id: z.string().regex(/^acct_[0-9a-f]{32}$/) }).strict();

/** At most a journal's 35 days of erasures; 100,000 entries are ~8 MB of JSON, inside the body limit. */
const MAX_JOURNAL_ENTRIES = 100_000;

export const reapplyErasuresBody = z
  .object({
    /** The journal saved before the restore; absent: the core database's own. */
    journal: z
      .array(z.object({ subject_hash: z.string().regex(/^[0-9a-f]{64}$/), erased_at: z.number().int().nonnegative() }).strict())
      .max(MAX_JOURNAL_ENTRIES)
      .optional(),
  })
  .strict();

const LOG_BUDGET = { chunkRows: PURGE_CHUNK_ROWS, maxChunks: PURGE_MAX_CHUNKS };

export const adminErasureRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const { account_id: accountId } = await readJson(c.req.raw, eraseAccountBody);
    const account = await erasureDbs(c.env).core.query.accounts.findFirst({ columns: { id: true }, where: (a, { eq }) => eq(a.id, accountId) });
    if (!account) throw errors.notFound("No such account.", "account_not_found");
    const result = await eraseNow(c.env, accountId, Date.now());
    return c.json({ object: "account.erasure", erased_at: iso(result.erasedAt), billing_records: "pseudonymised" });
  })
  .post("/reapply", async (c) => {
    const body = await readJson(c.req.raw, reapplyErasuresBody);
    const dbs = erasureDbs(c.env);
    // A restored core database lost the entries made after its restore point:
    // the saved journal puts them back, then the whole journal is applied.
    if (body.journal) await restoreJournal(dbs, body.journal.map((e) => ({ subjectHash: e.subject_hash, erasedAt: e.erased_at })));
    const report = await reapplyErasures(dbs, await readJournal(dbs.core), restoreSources(dbs), LOG_BUDGET);
    return c.json({ object: "erasure.reapply", journal: report.journal, re_erased: report.reErased, found: report.found, logs_done: report.logsDone });
  });
