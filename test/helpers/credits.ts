import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { AccountLimiter } from "../../src/limits/limiter";
import { limiterStub } from "./limiter";

/** The account's rows in the billing database's credit ledger: their sum and count. */
export async function ledgerSum(accountId: string): Promise<{ total: number; n: number }> {
  const row = await env.BILLING_DB.prepare("select coalesce(sum(amount_nano_usd), 0) as total, count(*) as n from credit_ledger where account_id = ?").bind(accountId).first<{ total: number; n: number }>();
  return row!;
}

/** Sets the account's limiter clock to `start`; returns a setter to move it. */
export async function limiterClock(accountId: string, start: number): Promise<(t: number) => void> {
  let now = start;
  await runInDurableObject(limiterStub(accountId), (o: AccountLimiter) => void (o.clock = () => now));
  return (t: number) => void (now = t);
}

/** Adds (or with a negative amount, removes) credit directly at the limiter; returns the balance. */
export async function adjust(accountId: string, amountNano: number): Promise<number> {
  const { balanceNano } = await limiterStub(accountId).credit({ entryId: `test:${crypto.randomUUID()}`, accountId, kind: "adjustment", amountNano });
  return balanceNano;
}
