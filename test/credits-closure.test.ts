/**
 * Closing an account with credit left (docs/billing.md): the limiter's money
 * state goes, the credit ledger keeps the credit, and until the erasure a
 * refund (Stripe's charge.refunded, or the operator's adjustment) is still
 * booked in the ledger under the account.
 */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { limiterStub } from "./helpers/limiter";
import { admin, call, newCustomer } from "./helpers/router";
import { deliverFakeEvents } from "./helpers/stripe";

const stripeApi = (path: string, form: Record<string, string>) =>
  fetch(`${env.FAKE_UPSTREAM_URL}${path}`, { method: "POST", headers: { authorization: "Bearer sk_test_fake_emby", "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) });

const ledgerOf = async (accountId: string) =>
  (await env.BILLING_DB.prepare("select kind, amount_nano_usd as amount from credit_ledger where account_id = ? order by created_at, entry_id").bind(accountId).all<{ kind: string; amount: number }>()).results;

it("keeps the credit left in the ledger, and books a later Stripe refund and an operator adjustment there", async () => {
  const c = await newCustomer({ credits: 0 });
  const checkout = await call("/v1/billing/checkout", { method: "POST", headers: { authorization: `Bearer ${c.key}`, "content-type": "application/json" }, body: JSON.stringify({ purpose: "credits", amount_usd: 30 }) });
  const { id: session, url } = (await checkout.json()) as { id: string; url: string };
  await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
  expect(await deliverFakeEvents(session)).toEqual([200]);

  expect((await call("/v1/account", { method: "DELETE", headers: { authorization: `Bearer ${c.key}` } })).status).toBe(200);
  const limiter = limiterStub(c.accountId);
  expect((await limiter.creditState()).balanceNano).toBe(0);
  await limiter.flushLedger();
  expect(await ledgerOf(c.accountId)).toEqual([{ kind: "topup", amount: 30_000_000_000 }]);

  // The customer asks for their money back: $10 through Stripe, $5 by other means.
  const { payment_intent } = (await (await fetch(`${env.FAKE_UPSTREAM_URL}/v1/checkout/sessions/${session}`, { headers: { authorization: "Bearer sk_test_fake_emby" } })).json()) as { payment_intent: string };
  expect((await stripeApi("/v1/refunds", { payment_intent, amount: "1000" })).status).toBe(200);
  await deliverFakeEvents(payment_intent);
  expect((await admin("POST", `/accounts/${c.accountId}/credits`, { amount_usd: -5, note: "refunded by bank transfer" })).status).toBe(201);
  await limiter.flushLedger();
  const ledger = await ledgerOf(c.accountId);
  expect(ledger.map((e) => e.kind).sort()).toEqual(["adjustment", "refund", "topup"]);
  expect(ledger.reduce((sum, e) => sum + e.amount, 0)).toBe(15_000_000_000);
});
