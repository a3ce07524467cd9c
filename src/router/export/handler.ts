import { eq } from "drizzle-orm";
import type { Handler } from "hono";
import { z } from "zod";
import { EXPORT_PAGE_ROWS } from "../../db/account-export";
import { writeAudit } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { accounts } from "../../db/schema";
import { errors } from "../../shared/errors";
import { validationError } from "../body";
import type { AppEnv } from "../env";
import { exportDatasets } from "./datasets";
import { jsonExport } from "./json";
import { ACCOUNT_COLUMNS, accountExportView } from "./views";
import { csvZipExport } from "./zip";

export const exportQuery = z.object({ format: z.enum(["json", "csv"]).default("json") }).strict();

/**
 * A stream that runs the generator one step per read: the next page is read
 * from D1 only when the client has taken the previous one, so memory stays
 * at a page whatever the account's size. A failure mid-way errors the body
 * (the client sees a truncated download, never a complete-looking one).
 */
function pulled(pieces: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await pieces.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await pieces.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

async function* encoded(pieces: AsyncGenerator<string>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const piece of pieces) yield encoder.encode(piece);
}

/**
 * `GET /v1/account/export?format=json|csv` (manage scope; mounted in
 * routes/account.ts): everything stored about the account, for access and
 * portability (GDPR Art. 15 and 20). See docs/export.md.
 */
export const exportHandler: Handler<AppEnv> = async (c) => {
  const parsed = exportQuery.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error);
  const { format } = parsed.data;
  const { accountId, keyId } = c.get("auth");
  const db = coreDb(c.env.DB);
  // Audited first, so the export holds its own entry: a leaked manage key's export shows in the log.
  await writeAudit(db, { accountId, actor: `key:${keyId}`, action: "account.export", target: accountId, details: { format } });
  const account = await db.query.accounts.findFirst({ where: eq(accounts.id, accountId) });
  if (!account) throw errors.notFound("No such account.", "account_not_found");

  const now = new Date();
  const datasets = exportDatasets(c.env, accountId, EXPORT_PAGE_ROWS);
  const view = accountExportView(account);
  const filename = `emby-export-${accountId}-${now.toISOString().slice(0, 10)}.${format === "json" ? "json" : "zip"}`;
  const body = format === "json" ? pulled(encoded(jsonExport(now.toISOString(), view, datasets))) : pulled(csvZipExport(view, ACCOUNT_COLUMNS, datasets));
  return c.body(body, 200, {
    "content-type": format === "json" ? "application/json; charset=utf-8" : "application/zip",
    "content-disposition": `attachment; filename="${filename}"`,
    "cache-control": "no-store",
  });
};
