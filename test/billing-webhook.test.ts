/**
 * Stripe's webhook: signatures, redeliveries, out-of-order subscription
 * events, grace periods, and tier changes reaching the limits of an isolate
 * whose auth cache still holds the old tier.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { TIER_LIMITS } from "../src/limits/tiers";
import { limiterStub } from "./helpers/limiter";
import { admin, chat, errorOf, newCustomer, type Customer } from "./helpers/router";
import { eventId, eventPayload, invoiceObject, postWebhook, sendEvent, stripeSignature, subscriptionObject } from "./helpers/stripe";

const DAY_S = 86_400;
const now = () => Math.floor(Date.now() / 1000);
const mistral = "mistral/mistral-small-latest";

/** A customer whose account is linked to a Stripe customer (as a first checkout leaves it). */
async function linked(tier = "free"): Promise<Customer & { customer: string }> {
  const c = await newCustomer({ tier });
  const customer = `cus_test_${crypto.randomUUID().slice(0, 12)}`;
  await env.DB.prepare("insert into billing_accounts (account_id, stripe_customer_id) values (?, ?)").bind(c.accountId, customer).run();
  return { ...c, customer };
}

async function tierOf(accountId: string): Promise<{ tier: string; tier_until: number | null }> {
  return (await env.DB.prepare("select tier, tier_until from accounts where id = ?").bind(accountId).first<{ tier: string; tier_until: number | null }>())!;
}

const subscriptionEvent = (c: { customer: string }, type: string, created: number, fields: Omit<Parameters<typeof subscriptionObject>[0], "customer">) =>
  sendEvent({ id: eventId(), type, created, object: subscriptionObject({ ...fields, customer: c.customer }) });

const limitHeader = async (key: string) => (await chat(key, { model: mistral, messages: [{ role: "user", content: "hi" }] })).headers.get("x-ratelimit-limit-requests");

describe("webhook signature", () => {
  const payload = eventPayload({ id: eventId(), type: "customer.created", created: now(), object: { id: "cus_x", object: "customer" } });

  it("a valid signature is accepted (an event type not handled is acknowledged)", async () => {
    const res = await postWebhook(payload, await stripeSignature(payload));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, duplicate: false });
  });

  it("a missing or wrong signature is a 400, and so is a signature over other bytes", async () => {
    expect((await errorOf(await postWebhook(payload, null))).code).toBe("missing_signature");
    const wrongSecret = await postWebhook(payload, await stripeSignature(payload, now(), "whsec_other"));
    expect(wrongSecret.status).toBe(400);
    expect((await errorOf(wrongSecret)).code).toBe("invalid_signature");
    const tampered = await postWebhook(payload.replace("cus_x", "cus_y"), await stripeSignature(payload));
    expect(tampered.status).toBe(400);
  });

  it("a timestamp outside the 300 s tolerance is refused, even when correctly signed", async () => {
    const stale = await postWebhook(payload, await stripeSignature(payload, now() - 301));
    expect(stale.status).toBe(400);
    expect((await errorOf(stale)).message).toMatch(/tolerance/i);
    expect((await postWebhook(payload, await stripeSignature(payload, now() - 200))).status).toBe(200);
  });
});

describe("subscription events", () => {
  it("the same event delivered twice is applied once: the second is acknowledged as a duplicate and changes nothing", async () => {
    const c = await linked();
    const event = { id: eventId(), type: "customer.subscription.created", created: now(), object: subscriptionObject({ id: "sub_dup", customer: c.customer, status: "active" }) };
    expect(await (await sendEvent(event)).json()).toEqual({ received: true, duplicate: false });
    expect((await tierOf(c.accountId)).tier).toBe("pro");
    // The operator moves the account meanwhile; a redelivery must not undo that.
    await env.DB.prepare("update accounts set tier = 'free' where id = ?").bind(c.accountId).run();
    expect(await (await sendEvent(event)).json()).toEqual({ received: true, duplicate: true });
    expect((await tierOf(c.accountId)).tier).toBe("free");
    expect(await env.DB.prepare("select count(*) as n from stripe_events where id = ?").bind(event.id).first("n")).toBe(1);
  });

  it("out of order: a deletion delivered before an older update leaves the account free", async () => {
    const c = await linked();
    const t = now();
    expect((await subscriptionEvent(c, "customer.subscription.created", t - 20, { id: "sub_a", status: "active" })).status).toBe(200);
    expect((await subscriptionEvent(c, "customer.subscription.deleted", t, { id: "sub_a", status: "canceled" })).status).toBe(200);
    expect((await subscriptionEvent(c, "customer.subscription.updated", t - 10, { id: "sub_a", status: "active" })).status).toBe(200);
    expect(await tierOf(c.accountId)).toEqual({ tier: "free", tier_until: null });
  });

  it("a tie in created time cannot revive a cancelled subscription", async () => {
    const c = await linked();
    const t = now();
    await subscriptionEvent(c, "customer.subscription.deleted", t, { id: "sub_tie", status: "canceled" });
    await subscriptionEvent(c, "customer.subscription.updated", t, { id: "sub_tie", status: "active" });
    expect((await tierOf(c.accountId)).tier).toBe("free");
  });

  it("out of order: a cancellation at the period's end delivered before the creation keeps pro until the period ends", async () => {
    const c = await linked();
    const t = now();
    const periodEnd = t + 20 * DAY_S;
    await subscriptionEvent(c, "customer.subscription.updated", t, { id: "sub_b", status: "active", cancelAtPeriodEnd: true, periodEnd });
    await subscriptionEvent(c, "customer.subscription.created", t - 30, { id: "sub_b", status: "active", periodEnd });
    expect(await tierOf(c.accountId)).toEqual({ tier: "pro", tier_until: periodEnd * 1000 });
  });

  it("a subscription checkout completed unpaid grants nothing until its asynchronous payment succeeds", async () => {
    const c = await linked();
    const session = (paymentStatus: string) => ({ id: "cs_test_async", object: "checkout.session", mode: "subscription", payment_status: paymentStatus, amount_total: 2000, currency: "usd", customer: c.customer, subscription: "sub_async", payment_intent: null, metadata: { account_id: c.accountId, purpose: "subscription" } });
    expect((await sendEvent({ id: eventId(), type: "checkout.session.completed", created: now() - 5, object: session("unpaid") })).status).toBe(200);
    expect(await tierOf(c.accountId)).toEqual({ tier: "free", tier_until: null });
    expect(await env.DB.prepare("select subscription_state from billing_accounts where account_id = ?").bind(c.accountId).first("subscription_state")).toBeNull();
    expect((await sendEvent({ id: eventId(), type: "checkout.session.async_payment_succeeded", created: now(), object: session("paid") })).status).toBe(200);
    expect(await tierOf(c.accountId)).toEqual({ tier: "pro", tier_until: null });
  });

  it("an enterprise account is never downgraded by Stripe", async () => {
    const c = await linked("enterprise");
    await subscriptionEvent(c, "customer.subscription.created", now() - 5, { id: "sub_e", status: "active" });
    await subscriptionEvent(c, "customer.subscription.deleted", now(), { id: "sub_e", status: "canceled" });
    expect(await tierOf(c.accountId)).toEqual({ tier: "enterprise", tier_until: null });
  });

  it("an event for a customer this router did not make is acknowledged and ignored", async () => {
    const res = await subscriptionEvent({ customer: "cus_unknown" }, "customer.subscription.created", now(), { id: "sub_x", status: "active" });
    expect(res.status).toBe(200);
  });
});

describe("tier changes reach the limits", () => {
  it("an upgrade and a cancellation change the limits of a key whose isolate still holds the old tier", async () => {
    const c = await linked("free");
    expect(await limitHeader(c.key)).toBe(String(TIER_LIMITS.free.rpm));
    await subscriptionEvent(c, "customer.subscription.created", now() - 5, { id: "sub_l", status: "active" });
    // No cache eviction here: only the limiter knows, as on every other isolate.
    expect(await limitHeader(c.key)).toBe(String(TIER_LIMITS.pro.rpm));
    await subscriptionEvent(c, "customer.subscription.deleted", now(), { id: "sub_l", status: "canceled" });
    expect(await limitHeader(c.key)).toBe(String(TIER_LIMITS.free.rpm));
  });

  it("a key's own limits are re-capped by the new tier", async () => {
    const c = await linked("free");
    const created = await admin("POST", `/accounts/${c.accountId}/keys`, { limits: { rpm: 100 } });
    const { key } = (await created.json()) as { key: string };
    expect(await limitHeader(key)).toBe(String(TIER_LIMITS.free.rpm));
    await subscriptionEvent(c, "customer.subscription.created", now(), { id: "sub_k", status: "active" });
    expect(await limitHeader(key)).toBe("100");
  });

  it("past the grace period after the first failed payment the tier is free, on every isolate", async () => {
    const c = await linked("free");
    const t = now();
    await subscriptionEvent(c, "customer.subscription.created", t - 10 * DAY_S, { id: "sub_g", status: "active" });
    expect(await limitHeader(c.key)).toBe(String(TIER_LIMITS.pro.rpm));
    // The first failure 8 days ago: 7 days of grace are over.
    const failed = await sendEvent({ id: eventId(), type: "invoice.payment_failed", created: t - 8 * DAY_S, object: invoiceObject({ id: "in_g1", customer: c.customer, subscription: "sub_g" }) });
    expect(failed.status).toBe(200);
    const lapsed = await tierOf(c.accountId);
    expect(lapsed.tier).toBe("pro");
    expect(lapsed.tier_until).toBe((t - 8 * DAY_S + 7 * DAY_S) * 1000);
    expect(await limitHeader(c.key)).toBe(String(TIER_LIMITS.free.rpm));
    // A later failure does not move the grace period's start.
    await subscriptionEvent(c, "customer.subscription.updated", t - DAY_S, { id: "sub_g", status: "past_due" });
    expect((await tierOf(c.accountId)).tier_until).toBe(lapsed.tier_until);
  });

  it("a failure within the grace period keeps pro limits", async () => {
    const c = await linked("free");
    await subscriptionEvent(c, "customer.subscription.created", now() - 60, { id: "sub_h", status: "active" });
    await subscriptionEvent(c, "customer.subscription.updated", now(), { id: "sub_h", status: "past_due" });
    const state = await tierOf(c.accountId);
    expect(state.tier).toBe("pro");
    expect(state.tier_until).toBeGreaterThan(Date.now() + 6 * DAY_S * 1000);
    expect(await limitHeader(c.key)).toBe(String(TIER_LIMITS.pro.rpm));
  });
});

describe("a subscription of another price", () => {
  it("moves no tier: its events are ignored with a log line of ids, its paid invoice is still recorded", async () => {
    const c = await linked("free");
    const lines: string[] = [];
    const spy = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    const t = now();
    try {
      expect((await subscriptionEvent(c, "customer.subscription.created", t - 10, { id: "sub_other", status: "active", price: "price_other_monthly" })).status).toBe(200);
      const invoice = `in_o_${crypto.randomUUID().slice(0, 8)}`;
      expect((await sendEvent({ id: eventId(), type: "invoice.paid", created: t - 5, object: invoiceObject({ id: invoice, customer: c.customer, subscription: "sub_other", amountPaid: 900 }) })).status).toBe(200);
      expect(await tierOf(c.accountId)).toEqual({ tier: "free", tier_until: null });
      expect(await env.DB.prepare("select subscription_id from billing_accounts where account_id = ?").bind(c.accountId).first("subscription_id")).toBeNull();
      await limiterStub(c.accountId).flushLedger();
      expect(await env.BILLING_DB.prepare("select kind, paid_minor from credit_ledger where entry_id = ?").bind(`stripe:invoice:${invoice}`).first()).toEqual({ kind: "subscription", paid_minor: 900 });
      expect(lines.some((l) => l.includes("sub_other") && l.includes("price_other_monthly"))).toBe(true);
    } finally {
      spy.mockRestore();
    }
    // The pro price's subscription does move it, and the other one's later events leave it alone.
    await subscriptionEvent(c, "customer.subscription.created", t, { id: "sub_pro", status: "active" });
    await subscriptionEvent(c, "customer.subscription.updated", t + 1, { id: "sub_other", status: "canceled", price: "price_other_monthly" });
    await sendEvent({ id: eventId(), type: "invoice.payment_failed", created: t + 2, object: invoiceObject({ id: `in_o2_${crypto.randomUUID().slice(0, 8)}`, customer: c.customer, subscription: "sub_other" }) });
    expect(await tierOf(c.accountId)).toEqual({ tier: "pro", tier_until: null });
    expect(await env.DB.prepare("select subscription_id, subscription_state from billing_accounts where account_id = ?").bind(c.accountId).first()).toEqual({ subscription_id: "sub_pro", subscription_state: "active" });
  });
});
