/**
 * The low-balance notice: the setting (PUT /v1/credits/notice), and the
 * object-side rule that a fall below the threshold mails one notice per
 * crossing, re-armed when the balance goes back up.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LowBalanceNotices, type NoticeEnv } from "../src/billing/low-balance";
import type { AccountLimiter } from "../src/limits/limiter";
import { mailTo } from "./helpers/console";
import { eventually, limiterStub } from "./helpers/limiter";
import { call, chat, errorOf, grantCredits, newCustomer } from "./helpers/router";

const USD = 1_000_000_000;

const putNotice = (key: string, body: unknown) =>
  call("/v1/credits/notice", { method: "PUT", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });

const stored = async (accountId: string) =>
  (await env.DB.prepare("select low_balance_threshold_nano as t from billing_accounts where account_id = ?").bind(accountId).first<{ t: number | null }>())?.t;

const emailOf = async (accountId: string) => (await env.DB.prepare("select email from accounts where id = ?").bind(accountId).first<{ email: string }>())!.email;

/** Runs `fn` with a LowBalanceNotices on the account's limiter object's own storage. */
function withNotices<T>(accountId: string, fn: (notices: LowBalanceNotices) => Promise<T>): Promise<T> {
  return runInDurableObject(limiterStub(accountId), (_: AccountLimiter, state) => fn(new LowBalanceNotices(state.storage.sql)));
}

describe("PUT /v1/credits/notice", () => {
  it("stores the threshold, answers it, audits the change, and null turns it off", async () => {
    const { key, accountId } = await newCustomer();
    const res = await putNotice(key, { threshold_usd: 12.5 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ object: "low_balance_notice", threshold_usd: 12.5 });
    expect(await stored(accountId)).toBe(12.5 * USD);
    expect(((await (await putNotice(key, { threshold_usd: null })).json()) as { threshold_usd: null }).threshold_usd).toBeNull();
    expect(await stored(accountId)).toBeNull();
    const audit = await env.DB.prepare("select count(*) as n from audit_log where account_id = ? and action = 'billing.low_balance_notice'").bind(accountId).first<{ n: number }>();
    expect(audit?.n).toBe(2);
  });

  it("refuses bad thresholds with 400, and keys without the manage scope with 403", async () => {
    const { key, accountId } = await newCustomer();
    for (const body of [{ threshold_usd: 0 }, { threshold_usd: -5 }, { threshold_usd: 1.0000000001 }, { threshold_usd: "5" }, { threshold_usd: 2_000_000 }, {}, { threshold_usd: 5, extra: 1 }]) {
      const res = await putNotice(key, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await stored(accountId)).toBeUndefined();
    const inferenceOnly = await newCustomer({ consent: false, key: { scopes: ["inference"] } });
    const refused = await putNotice(inferenceOnly.key, { threshold_usd: 5 });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("missing_scope");
  });
});

describe("one notice per crossing", () => {
  const noticeEnv = env as unknown as NoticeEnv;

  it("mails once when the balance falls below the threshold, however many settlements stay below", async () => {
    const { accountId } = await newCustomer();
    const to = await emailOf(accountId);
    const threshold = 10 * USD;
    await withNotices(accountId, async (n) => {
      expect(n.dueAt()).toBeNull(); // read before the crossing: the crossing must replace what was read
      expect(n.observe(12 * USD, 10 * USD, threshold, 1_000)).toBe(false); // at the threshold is not below it
      expect(n.observe(10 * USD, 9 * USD, threshold, 2_000)).toBe(true);
      expect(n.observe(9 * USD, 8 * USD, threshold, 3_000)).toBe(false);
      expect(n.observe(8 * USD, 7 * USD, threshold, 4_000)).toBe(false);
      expect(n.dueAt()).toBe(2_000);
      await n.deliver(noticeEnv, accountId, { thresholdNano: threshold, balanceNano: 7 * USD }, 5_000);
      await n.deliver(noticeEnv, accountId, { thresholdNano: threshold, balanceNano: 7 * USD }, 6_000);
      expect(n.dueAt()).toBeNull();
    });
    const mails = mailTo(to);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Your Emby Router balance is low");
    expect(mails[0]!.text).toContain("Your prepaid balance is $7.00, below the $10.00 you asked to be told about.");
    expect(mails[0]!.text).toContain("https://console.test/billing");
  });

  it("re-arms after a top-up takes the balance back to the threshold or above", async () => {
    const { accountId } = await newCustomer();
    const to = await emailOf(accountId);
    const t = 5 * USD;
    await withNotices(accountId, async (n) => {
      n.observe(6 * USD, 4 * USD, t, 1);
      await n.deliver(noticeEnv, accountId, { thresholdNano: t, balanceNano: 4 * USD }, 2);
      expect(n.observe(4 * USD, 3 * USD, t, 3)).toBe(false);
      // Top-up: up to 20, then down again across 5.
      expect(n.observe(3 * USD, 20 * USD, t, 4)).toBe(false);
      expect(n.observe(20 * USD, 4.5 * USD, t, 5)).toBe(true);
      await n.deliver(noticeEnv, accountId, { thresholdNano: t, balanceNano: 4.5 * USD }, 6);
    });
    expect(mailTo(to).map((m) => m.text.split(",")[0])).toEqual(["Your prepaid balance is $4.00", "Your prepaid balance is $4.50"]);
  });

  it("sends nothing when the notice was turned off or the balance went back up before delivery, nor to a closed account", async () => {
    const { accountId, key } = await newCustomer();
    const to = await emailOf(accountId);
    const t = 5 * USD;
    await withNotices(accountId, async (n) => {
      expect(n.observe(6 * USD, 4 * USD, null, 1)).toBe(false);
      n.observe(6 * USD, 4 * USD, t, 1);
      await n.deliver(noticeEnv, accountId, { thresholdNano: null, balanceNano: 4 * USD }, 2);
      n.observe(6 * USD, 4 * USD, t, 3);
      await n.deliver(noticeEnv, accountId, { thresholdNano: t, balanceNano: 50 * USD }, 4);
      expect(n.dueAt()).toBeNull();
    });
    expect(await call("/v1/account", { method: "DELETE", headers: { authorization: `Bearer ${key}` } }).then((r) => r.status)).toBe(200);
    await withNotices(accountId, async (n) => {
      n.observe(6 * USD, 4 * USD, t, 5);
      await n.deliver(noticeEnv, accountId, { thresholdNano: t, balanceNano: 4 * USD }, 6);
      expect(n.dueAt()).toBeNull();
    });
    expect(mailTo(to)).toHaveLength(0);
  });
});

describe("the notice through requests and top-ups", () => {
  /** A request settled: its price is debited from the balance. */
  async function spend(key: string, accountId: string) {
    const res = await chat(key, { model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(200);
    await res.text();
    await eventually(async () => (await limiterStub(accountId).creditState()).reservedNano === 0);
  }

  /** Runs the object's alarm (if the runtime has not already), which delivers a due notice. */
  const alarm = (accountId: string) => runDurableObjectAlarm(limiterStub(accountId));

  it("mails exactly one notice when settlements take the balance below the threshold, and another after a top-up re-arms it", async () => {
    const { key, accountId } = await newCustomer({ credits: 1 });
    const to = await emailOf(accountId);
    // Just under the balance: the first request crosses it.
    expect((await putNotice(key, { threshold_usd: 0.999999999 })).status).toBe(200);
    expect((await limiterStub(accountId).creditState()).lowBalanceThresholdNano).toBe(999_999_999);
    for (let i = 0; i < 3; i++) await spend(key, accountId);
    await alarm(accountId);
    await eventually(async () => mailTo(to).length === 1);
    await spend(key, accountId);
    await alarm(accountId);
    expect(mailTo(to)).toHaveLength(1);
    expect(mailTo(to)[0]!.text).toMatch(/^Your prepaid balance is \$0\.99\d*, below the \$0\.999999999 you asked to be told about\./);

    // A top-up takes the balance back to the threshold (re-armed); the next request takes it below again.
    const below = (await limiterStub(accountId).creditState()).balanceNano;
    await grantCredits(accountId, (999_999_999 - below) / USD);
    expect((await limiterStub(accountId).creditState()).balanceNano).toBe(999_999_999);
    await alarm(accountId);
    expect(mailTo(to)).toHaveLength(1);
    await spend(key, accountId);
    await alarm(accountId);
    await eventually(async () => mailTo(to).length === 2);
  });
});
