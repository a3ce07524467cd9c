import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createAccount, recordConsent } from "../../src/db/accounts";
import { coreDb } from "../../src/db/client";
import { createKey } from "../../src/db/keys";
import { accounts, erasures } from "../../src/db/schema";
import worker from "../../src/logger/index";
import { sha256Hex } from "../../src/shared/crypto";
import { ERASURE_JOURNAL_RETENTION_MS } from "../../src/shared/retention";
import { billingRowsOf, pseudonymsIn, rowsReferringTo, seedLogsAndBilling } from "../helpers/erasure";
import { newAccountId } from "../helpers/log-events";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 15, 3, 17);
const core = coreDb(env.DB);

async function runCron() {
  await worker.scheduled(createScheduledController({ scheduledTime: NOW, cron: "17 * * * *" }), env);
}

const journalRow = async (accountId: string) => (await core.select().from(erasures).where(eq(erasures.subjectHash, await sha256Hex(accountId))))[0];

describe("erasure by the retention cron", () => {
  it("erases an account closed 91 days ago everywhere, pseudonymising its billing rows and journaling it", async () => {
    const email = `closed-${crypto.randomUUID()}@example.com`;
    const account = (await createAccount(core, { email, name: "Closed", tier: "pro" }, "admin"))!;
    await createKey(core, account.id, { scopes: ["inference"] }, "admin");
    await recordConsent(core, account.id, "non_eu_transfer", true, "admin");
    await core.update(accounts).set({ closedAt: NOW - 91 * DAY }).where(eq(accounts.id, account.id));
    await seedLogsAndBilling(account.id, NOW - 2 * DAY);
    const billingBefore = await billingRowsOf(account.id);
    const pseudonymsBefore = await pseudonymsIn();

    await runCron();

    expect(await rowsReferringTo(account.id, email)).toEqual({});
    const fresh = (await pseudonymsIn()).filter((p) => !pseudonymsBefore.includes(p));
    expect(fresh).toHaveLength(1);
    expect(await billingRowsOf(fresh[0]!)).toEqual(billingBefore);
    expect(await journalRow(account.id)).toEqual({ subjectHash: await sha256Hex(account.id), erasedAt: NOW });
  });

  it("sweeps rows that arrived after an erasure (events still queued): logs deleted, billing pseudonymised", async () => {
    const accountId = newAccountId();
    const other = newAccountId();
    await core.insert(erasures).values({ subjectHash: await sha256Hex(accountId), erasedAt: NOW - DAY });
    await seedLogsAndBilling(accountId, NOW - 60_000);
    await seedLogsAndBilling(other, NOW - 60_000);
    const billingBefore = await billingRowsOf(accountId);
    const otherBefore = await rowsReferringTo(other, "none@example.invalid");
    const pseudonymsBefore = await pseudonymsIn();

    await runCron();

    expect(await rowsReferringTo(accountId, "none@example.invalid")).toEqual({});
    const fresh = (await pseudonymsIn()).filter((p) => !pseudonymsBefore.includes(p));
    expect(fresh).toHaveLength(1);
    expect(await billingRowsOf(fresh[0]!)).toEqual(billingBefore);
    expect(await rowsReferringTo(other, "none@example.invalid")).toEqual(otherBefore);
  });

  it("purges journal rows older than the restore window plus margin and keeps younger ones", async () => {
    const old = newAccountId();
    const young = newAccountId();
    await core.insert(erasures).values([
      { subjectHash: await sha256Hex(old), erasedAt: NOW - ERASURE_JOURNAL_RETENTION_MS - 1 },
      { subjectHash: await sha256Hex(young), erasedAt: NOW - ERASURE_JOURNAL_RETENTION_MS + 60_000 },
    ]);
    await runCron();
    expect(await journalRow(old)).toBeUndefined();
    expect(await journalRow(young)).toBeDefined();
  });
});
