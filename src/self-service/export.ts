/**
 * The account's data export, for access and portability (GDPR Art. 15, 20):
 * everything stored about the account, as one JSON document or a zip of CSV
 * files, streamed page by page (docs/export.md). Shared by the API
 * (`GET /v1/account/export`) and the console's download links.
 */
import { z } from "zod";
import { EXPORT_PAGE_ROWS } from "../db/account-export";
import { writeAudit } from "../db/accounts";
import { coreDb } from "../db/client";
import { limiterFor, type LimiterEnv } from "../limits/client";
import { ownAccount } from "./account";
import { exportDatasets } from "./export/datasets";
import { jsonExport } from "./export/json";
import { ACCOUNT_COLUMNS, accountExportView } from "./export/views";
import { csvZipExport } from "./export/zip";

export const exportFormat = z.enum(["json", "csv"]);
export type ExportFormat = z.infer<typeof exportFormat>;

/** The three databases, and the account's limiter for the credit entries it has not copied to the billing database yet. */
export type ExportEnv = Pick<Env, "DB" | "LOGS_DB" | "BILLING_DB"> & LimiterEnv;

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

export interface AccountExport {
  body: ReadableStream<Uint8Array>;
  /** content-type, content-disposition (an attachment with a dated file name), cache-control. */
  headers: Record<string, string>;
}

/**
 * The export of the account, audited (`account.export` by `actor`) before
 * anything is read, so the export holds its own entry: a leaked key's or a
 * hijacked session's export shows in the log.
 */
export async function accountExport(env: ExportEnv, accountId: string, format: ExportFormat, actor: string, now = new Date()): Promise<AccountExport> {
  const db = coreDb(env.DB);
  await writeAudit(db, { accountId, actor, action: "account.export", target: accountId, details: { format } });
  const account = await ownAccount(db, accountId);
  // Read before the response starts: an unreachable limiter fails the export
  // with an error status rather than leaving out the entries it holds.
  const { pending } = await limiterFor(env, accountId).creditState();
  const datasets = exportDatasets(env, accountId, pending, EXPORT_PAGE_ROWS);
  const view = accountExportView(account);
  const filename = `emby-export-${accountId}-${now.toISOString().slice(0, 10)}.${format === "json" ? "json" : "zip"}`;
  const body = format === "json" ? pulled(encoded(jsonExport(now.toISOString(), view, datasets))) : pulled(csvZipExport(view, ACCOUNT_COLUMNS, datasets));
  return {
    body,
    headers: {
      "content-type": format === "json" ? "application/json; charset=utf-8" : "application/zip",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  };
}
