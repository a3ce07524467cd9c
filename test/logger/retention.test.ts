import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createAccount, recordConsent } from "../../src/db/accounts";
import { billingReceipts, usageLedger } from "../../src/db/billing-schema";
import { billingDb, coreDb, logsDb } from "../../src/db/client";
import { createKey } from "../../src/db/keys";
import { requestLogs } from "../../src/db/logs-schema";
import { insertRequestLogs, purgeLogsBefore, toLogRow } from "../../src/db/request-logs";
import { accounts, apiKeys, auditLog, consents } from "../../src/db/schema";
import worker from "../../src/logger/index";
import { utcDay } from "../../src/shared/retention";
import { logEvent } from "../helpers/log-events";

const DAY = 24 * 60 * 60 * 1000;
/** The cron fires at a fixed time, so ages are exact. */
const NOW = Date.UTC(2026, 5, 15, 3, 17);
const yearsAgo = (n: number) => {
  const d = new Date(NOW);
  d.setUTCFullYear(d.getUTCFullYear() - n);
  return d.getTime();
};

const core = coreDb(env.DB);
const logs = logsDb(env.LOGS_DB);
const billing = billingDb(env.BILLING_DB);

async function runCron() {
  await worker.scheduled(createScheduledController({ scheduledTime: NOW, cron: "17 * * * *" }), env);
}

async function logAt(receivedAt: number, accountId?: string) {
  const event = logEvent({ receivedAt, ...(accountId ? { account_id: accountId } : {}) });
  await insertRequestLogs(logs, [toLogRow(event, receivedAt)]);
  return event.request_id;
}

const logExists = async (id: string) => (await logs.select().from(requestLogs).where(eq(requestLogs.requestId, id))).length === 1;

/** An account with a key, a consent, audit entries and a recent log row, closed `daysAgo` days before NOW. */
async function closedAccount(daysAgo: number) {
  const account = (await createAccount(core, { email: `closed-${crypto.randomUUID()}@example.com`, name: "Closed", tier: "pro" }, "admin"))!;
  const { record: key } = await createKey(core, account.id, { scopes: ["inference"] }, "admin");
  await recordConsent(core, account.id, "non_eu_transfer", true, "admin");
  await core.update(accounts).set({ closedAt: NOW - daysAgo * DAY }).where(eq(accounts.id, account.id));
  const logId = await logAt(NOW - 2 * DAY, account.id);
  return { accountId: account.id, keyId: key.id, logId };
}

async function coreRowsOf(accountId: string) {
  return {
    accounts: (await core.select().from(accounts).where(eq(accounts.id, accountId))).length,
    keys: (await core.select().from(apiKeys).where(eq(apiKeys.accountId, accountId))).length,
    consents: (await core.select().from(consents).where(eq(consents.accountId, accountId))).length,
    audit: (await core.select().from(auditLog).where(eq(auditLog.accountId, accountId))).length,
  };
}

function ledgerRow(accountId: string, day: string) {
  return { accountId, day, model: "openai/gpt-4o-mini", requests: 1, promptTokens: 10, completionTokens: 20, cachedTokens: 0, reasoningTokens: 0, costNanoUsd: 13_500, updatedAt: NOW };
}

describe("retention cron", () => {
  it("deletes a 31-day-old log row and keeps a 29-day-old one", async () => {
    const old = await logAt(NOW - 31 * DAY);
    const recent = await logAt(NOW - 29 * DAY);
    await runCron();
    expect(await logExists(old)).toBe(false);
    expect(await logExists(recent)).toBe(true);
  });

  it("erases an account closed 91 days ago with its keys, consents, audit entries and logs, and keeps one closed 89 days ago", async () => {
    const gone = await closedAccount(91);
    const kept = await closedAccount(89);
    await runCron();
    expect(await coreRowsOf(gone.accountId)).toEqual({ accounts: 0, keys: 0, consents: 0, audit: 0 });
    expect(await logExists(gone.logId)).toBe(false);
    expect(await coreRowsOf(kept.accountId)).toEqual({ accounts: 1, keys: 1, consents: 1, audit: expect.any(Number) });
    expect((await coreRowsOf(kept.accountId)).audit).toBeGreaterThan(0);
    expect(await logExists(kept.logId)).toBe(true);
  });

  it("keeps a 6-year-old billing row and deletes an 8-year-old one", async () => {
    const accountId = `acct_${crypto.randomUUID().replaceAll("-", "")}`;
    const sixYears = utcDay(yearsAgo(6));
    const eightYears = utcDay(yearsAgo(8));
    await billing.insert(usageLedger).values([ledgerRow(accountId, sixYears), ledgerRow(accountId, eightYears)]);
    await runCron();
    const days = (await billing.select().from(usageLedger).where(eq(usageLedger.accountId, accountId))).map((r) => r.day);
    expect(days).toEqual([sixYears]);
  });

  it("drops billing receipts older than the 30-day redelivery window and keeps younger ones", async () => {
    const receipt = (requestId: string, billedAt: number) => ({
      requestId, runId: "run-1", accountId: "acct_x", day: utcDay(billedAt), model: "openai/gpt-4o-mini",
      promptTokens: 1, completionTokens: 1, cachedTokens: 0, reasoningTokens: 0, costNanoUsd: 750, billedAt,
    });
    await billing.insert(billingReceipts).values([receipt("req_old", NOW - 31 * DAY), receipt("req_new", NOW - 29 * DAY)]);
    await runCron();
    const left = await billing.select().from(billingReceipts).where(inArray(billingReceipts.requestId, ["req_old", "req_new"]));
    expect(left.map((r) => r.requestId)).toEqual(["req_new"]);
  });

  it("purges in bounded chunks: a backlog larger than one run's budget is finished by later runs", async () => {
    const cutoff = NOW - 30 * DAY;
    const events = Array.from({ length: 25 }, (_, i) => logEvent({ receivedAt: NOW - 40 * DAY + i }));
    await insertRequestLogs(logs, events.map((e) => toLogRow(e, NOW)));
    const first = await purgeLogsBefore(logs, cutoff, 10, 2);
    expect(first).toEqual({ deleted: 20, done: false });
    const second = await purgeLogsBefore(logs, cutoff, 10, 2);
    expect(second.deleted).toBeGreaterThanOrEqual(5);
    expect(second.done).toBe(true);
    expect(await logs.select().from(requestLogs).where(inArray(requestLogs.requestId, events.map((e) => e.request_id)))).toEqual([]);
  });
});
