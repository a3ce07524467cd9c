/**
 * Webhook events that move money, through the account's limiter object
 * (`credit`, idempotent by entry id): top-ups once however often delivered,
 * partial refunds exactly, subscription payments in the ledger.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { limiterStub } from "./helpers/limiter";
import { call, newCustomer } from "./helpers/router";
import { deliverFakeEvents, eventId, invoiceObject, sendEvent, subscriptionObject } from "./helpers/stripe";

const DAY_S = 86_400;
const now = () => Math.floor(Date.now() / 1000);
const balance = async (accountId: string) => (await limiterStub(accountId).creditState()).balanceNano;
const stripeApi = (path: string, form: Record<string, string>) =>
  fetch(`${env.FAKE_UPSTREAM_URL}${path}`, { method: "POST", headers: { authorization: "Bearer sk_test_fake_emby", "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) });

/** A top-up of `usd` bought and paid on the fake; resolves with its session id and the charge's payment intent. */
async function topUp(key: string, usd: number): Promise<{ session: string; paymentIntent: string }> {
  const res = await call("/v1/billing/checkout", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ purpose: "credits", amount_usd: usd }) });
  const { id, url } = (await res.json()) as { id: string; url: string };
  await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
  await deliverFakeEvents(id);
  const session = (await (await fetch(`${env.FAKE_UPSTREAM_URL}/v1/checkout/sessions/${id}`, { headers: { authorization: "Bearer sk_test_fake_emby" } })).json()) as { payment_intent: string };
  return { session: id, paymentIntent: session.payment_intent };
}

describe("money from webhooks", () => {
  it("the same checkout.session.completed delivered twice credits once", async () => {
    const c = await newCustomer();
    const before = await balance(c.accountId);
    const { session } = await topUp(c.key, 10);
    expect((await balance(c.accountId)) - before).toBe(10_000_000_000);
    expect(await deliverFakeEvents(session)).toEqual([200]);
    expect((await balance(c.accountId)) - before).toBe(10_000_000_000);
  });

  it("partial refunds take back exactly what was refunded, each once, however the events arrive", async () => {
    const c = await newCustomer();
    const before = await balance(c.accountId);
    const { paymentIntent } = await topUp(c.key, 50);
    expect((await stripeApi("/v1/refunds", { payment_intent: paymentIntent, amount: "1234" })).status).toBe(200);
    expect((await stripeApi("/v1/refunds", { payment_intent: paymentIntent, amount: "766" })).status).toBe(200);
    // Both charge.refunded events, then both again (a redelivery).
    await deliverFakeEvents(paymentIntent);
    await deliverFakeEvents(paymentIntent);
    expect((await balance(c.accountId)) - before).toBe((5000 - 1234 - 766) * 10_000_000);
  });

  it("a paid invoice is a subscription ledger entry (amount 0, paid_minor) and ends a grace period", async () => {
    const c = await newCustomer({ tier: "free" });
    const customer = `cus_test_${crypto.randomUUID().slice(0, 12)}`;
    await env.DB.prepare("insert into billing_accounts (account_id, stripe_customer_id) values (?, ?)").bind(c.accountId, customer).run();
    const t = now();
    await sendEvent({ id: eventId(), type: "customer.subscription.created", created: t - 40 * DAY_S, object: subscriptionObject({ id: "sub_m", customer, status: "active" }) });
    await sendEvent({ id: eventId(), type: "invoice.payment_failed", created: t - 10 * DAY_S, object: invoiceObject({ id: "in_m1", customer, subscription: "sub_m" }) });
    expect(await env.DB.prepare("select tier_until from accounts where id = ?").bind(c.accountId).first("tier_until")).toBeLessThan(Date.now());
    const before = await balance(c.accountId);
    const invoice = `in_m_${crypto.randomUUID().slice(0, 8)}`;
    expect((await sendEvent({ id: eventId(), type: "invoice.paid", created: t, object: invoiceObject({ id: invoice, customer, subscription: "sub_m", amountPaid: 2000 }) })).status).toBe(200);
    expect(await balance(c.accountId)).toBe(before);
    expect(await env.DB.prepare("select tier, tier_until from accounts where id = ?").bind(c.accountId).first()).toEqual({ tier: "pro", tier_until: null });
    await limiterStub(c.accountId).flushLedger();
    const entry = await env.BILLING_DB.prepare("select kind, amount_nano_usd, paid_minor, currency from credit_ledger where entry_id = ?").bind(`stripe:invoice:${invoice}`).first();
    expect(entry).toEqual({ kind: "subscription", amount_nano_usd: 0, paid_minor: 2000, currency: "usd" });
  });
});
