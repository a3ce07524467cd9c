/**
 * Low-balance notices, inside the account's limiter object. The object
 * calls `observe` with every balance change it makes; when a change takes
 * the balance from at or above the customer's threshold to below it, one
 * notice is queued in the object's storage. A later change that stays below
 * queues nothing, so a run of requests sends one mail, not one per request;
 * a change back up (a top-up) re-arms it, since only a change that starts at
 * or above the threshold can cross it again. The object's alarm delivers the
 * notice (`deliver`), off the request path: it reads the account's address
 * from D1 then, and retries a failed send with backoff a few times.
 */
import { coreDb } from "../db/client";
import { sendMail, type MailEnv } from "../mail/send";
import { formatUsd } from "./money-text";

/** The object's table, by column: the privacy data map lists it. */
export const LOW_BALANCE_COLUMNS = ["balance_nano", "threshold_nano", "crossed_at", "attempts", "due_at"] as const;

/** Failed sends are retried this many times, 1, 2, 4, 8 minutes apart, then dropped (logged). */
const MAX_ATTEMPTS = 5;
const RETRY_BASE_MS = 60_000;
/** Longest a queued notice is kept: until sent, or until the last retry. */
export const NOTICE_MAX_PENDING_MS = RETRY_BASE_MS * (2 ** (MAX_ATTEMPTS - 1) - 1);

export type NoticeEnv = MailEnv & { DB: D1Database; BILLING_RETURN_URL: string };

interface NoticeRow extends Record<string, SqlStorageValue> {
  balance_nano: number;
  threshold_nano: number;
  crossed_at: number;
  attempts: number;
  due_at: number;
}

export class LowBalanceNotices {
  /**
   * The queued notice's due time, mirrored from the table (undefined: not
   * read since the last write). The limiter asks for it on every admission
   * and release; a notice is queued or sent rarely.
   */
  private due: number | null | undefined;

  constructor(private readonly sql: SqlStorage) {
    // One row at most: a newer crossing replaces a notice not yet sent.
    sql.exec(`create table if not exists low_balance_notice (
      id integer primary key check (id = 1), balance_nano integer not null, threshold_nano integer not null,
      crossed_at integer not null, attempts integer not null, due_at integer not null)`);
  }

  /** Queues a notice when this change crosses the threshold downwards; true when it did. */
  observe(beforeNano: number, afterNano: number, thresholdNano: number | null, now: number): boolean {
    if (thresholdNano === null || beforeNano < thresholdNano || afterNano >= thresholdNano) return false;
    this.sql.exec(
      "insert or replace into low_balance_notice (id, balance_nano, threshold_nano, crossed_at, attempts, due_at) values (1, ?, ?, ?, 0, ?)",
      afterNano, thresholdNano, now, now,
    );
    this.due = undefined;
    return true;
  }

  /** When the queued notice is due (for the object's alarm), or null. */
  dueAt(): number | null {
    if (this.due === undefined) this.due = this.row()?.due_at ?? null;
    return this.due;
  }

  /**
   * Sends the queued notice if it is due. Nothing is sent to a closed or
   * terminated account, nor when the customer turned the notice off or
   * raised the balance back above it since (`currentThresholdNano`,
   * `currentBalanceNano`: the object's values now).
   */
  async deliver(env: NoticeEnv, accountId: string, current: { thresholdNano: number | null; balanceNano: number }, now: number): Promise<void> {
    const row = this.row();
    if (!row || row.due_at > now) return;
    // Sending awaits I/O, during which a new crossing may replace the row: only this notice is cleared.
    const done = () => {
      this.sql.exec("delete from low_balance_notice where crossed_at = ?", row.crossed_at);
      this.due = undefined;
    };
    if (current.thresholdNano === null || current.balanceNano >= current.thresholdNano) return done();
    try {
      const account = await coreDb(env.DB).query.accounts.findFirst({
        columns: { email: true, status: true, closedAt: true },
        where: (a, { eq }) => eq(a.id, accountId),
      });
      if (account && account.closedAt === null && account.status !== "terminated") {
        await sendMail(env, lowBalanceMail(account.email, current.balanceNano, current.thresholdNano, env.BILLING_RETURN_URL));
      }
      done();
    } catch (err) {
      const attempts = row.attempts + 1;
      console.error("low-balance notice not sent", attempts, err instanceof Error ? err.message : String(err));
      if (attempts >= MAX_ATTEMPTS) return done();
      this.sql.exec("update low_balance_notice set attempts = ?, due_at = ? where crossed_at = ?", attempts, now + RETRY_BASE_MS * 2 ** (attempts - 1), row.crossed_at);
      this.due = undefined;
    }
  }

  /** Erasure: forget the queued notice. */
  clear(): void {
    this.sql.exec("delete from low_balance_notice");
    this.due = null;
  }

  private row(): NoticeRow | undefined {
    return this.sql.exec<NoticeRow>("select * from low_balance_notice where id = 1").toArray()[0];
  }
}

export function lowBalanceMail(to: string, balanceNano: number, thresholdNano: number, billingUrl: string) {
  return {
    to,
    subject: "Your Emby Router balance is low",
    text: [
      `Your prepaid balance is ${formatUsd(balanceNano)}, below the ${formatUsd(thresholdNano)} you asked to be told about.`,
      "Requests are refused (402 insufficient_credits) once the balance cannot cover them.",
      "",
      `Buy credits: ${billingUrl}`,
      "",
      "You get this mail once each time the balance falls below your threshold; change or turn it off on the same page.",
    ].join("\n"),
  };
}
