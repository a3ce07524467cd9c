import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect, it, vi } from "vitest";
import { closeAccount, createAccount } from "../../src/db/accounts";
import { coreDb } from "../../src/db/client";
import { accounts } from "../../src/db/schema";
import { enforceRetention } from "../../src/logger/retention";
import { CLOSED_ACCOUNT_RETENTION_MS } from "../../src/shared/retention";

const core = coreDb(env.DB);
const HOUR = 60 * 60 * 1000;
const CLOSED_AT = Date.UTC(2026, 2, 1, 12);

const exists = async (id: string) => (await core.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, id))).length === 1;

it("erases an account the retention cron finds closed (DELETE /v1/account) for 90 days, not before", async () => {
  const account = (await createAccount(core, { email: `closing-${crypto.randomUUID()}@example.com`, name: "Closing", tier: "free" }, "admin"))!;
  await closeAccount(core, account.id, CLOSED_AT, "key:key_x");
  // A second closure (two racing requests) keeps the first date, which erasure counts from.
  expect((await closeAccount(core, account.id, CLOSED_AT + HOUR, "key:key_x"))!.closedAt).toBe(CLOSED_AT);

  await enforceRetention(env, CLOSED_AT + CLOSED_ACCOUNT_RETENTION_MS - HOUR);
  expect(await exists(account.id)).toBe(true);
  await enforceRetention(env, CLOSED_AT + CLOSED_ACCOUNT_RETENTION_MS + HOUR);
  expect(await exists(account.id)).toBe(false);
});

it("the 90-day erasure deletes the Stripe customer first, and erases anyway when Stripe cannot be reached (here: no key), logging the customer id", async () => {
  const account = (await createAccount(core, { email: `stripe-${crypto.randomUUID()}@example.com`, name: "Paying", tier: "free" }, "admin"))!;
  const customerId = `cus_test${crypto.randomUUID().replaceAll("-", "")}`;
  await env.DB.prepare("insert into billing_accounts (account_id, stripe_customer_id, created_at, updated_at) values (?, ?, ?, ?)").bind(account.id, customerId, CLOSED_AT, CLOSED_AT).run();
  await closeAccount(core, account.id, CLOSED_AT, "key:key_x");
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  let lines: string[];
  try {
    await enforceRetention(env, CLOSED_AT + CLOSED_ACCOUNT_RETENTION_MS + HOUR);
    lines = spy.mock.calls.map((call) => call.join(" ")).filter((l) => l.startsWith("BILLING: Stripe customer"));
  } finally {
    spy.mockRestore();
  }
  expect(await exists(account.id)).toBe(false);
  expect(await env.DB.prepare("select count(*) as n from billing_accounts where account_id = ?").bind(account.id).first("n")).toBe(0);
  expect(lines).toEqual([expect.stringContaining(customerId)]);
  expect(lines[0]).not.toContain(account.id);
});
