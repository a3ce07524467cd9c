/**
 * The end of an account at Stripe, through the fake: closure and termination
 * cancel a `pro` subscription at once (no proration, no final invoice) and
 * Stripe's resulting webhook downgrades; erasure deletes the Stripe customer,
 * and still erases when Stripe cannot be reached; a cancellation Stripe keeps
 * refusing is retried, logged with its ids, and left visible in billing_accounts.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cancelSubscriptionAtEnd } from "../src/billing/account-end";
import { eventually } from "./helpers/limiter";
import { admin, call, newCustomer, type Customer } from "./helpers/router";
import { deliverFakeEvents, fakeDeliveries } from "./helpers/stripe";

const stripeApi = async (path: string) => (await fetch(`${env.FAKE_UPSTREAM_URL}${path}`, { headers: { authorization: "Bearer sk_test_fake_emby" } })).json() as Promise<Record<string, unknown>>;

const asKey = (key: string, method: string, path: string, body?: unknown) =>
  call(path, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

/** Nothing listens there: connections are refused at once. */
const CLOSED_PORT_BASE = "http://127.0.0.1:1";

const billingRow = (accountId: string) =>
  env.DB.prepare("select stripe_customer_id, subscription_id, subscription_state from billing_accounts where account_id = ?")
    .bind(accountId)
    .first<{ stripe_customer_id: string; subscription_id: string | null; subscription_state: string | null }>();

const tierOf = (accountId: string) => env.DB.prepare("select tier from accounts where id = ?").bind(accountId).first<string>("tier");

/** A free account that bought `pro` on the fake's hosted page, every webhook delivered. */
async function subscribed(): Promise<Customer & { subscriptionId: string; customerId: string }> {
  const c = await newCustomer({ tier: "free" });
  const res = await asKey(c.key, "POST", "/v1/billing/checkout", { purpose: "subscription", tier: "pro" });
  expect(res.status).toBe(201);
  const { id, url } = (await res.json()) as { id: string; url: string };
  expect((await fetch(`${url}/pay`, { method: "POST", redirect: "manual" })).status).toBe(303);
  await deliverFakeEvents(id);
  const { subscription } = (await stripeApi(`/v1/checkout/sessions/${id}`)) as { subscription: string };
  await deliverFakeEvents(subscription);
  expect(await tierOf(c.accountId)).toBe("pro");
  const row = await billingRow(c.accountId);
  expect(row).toMatchObject({ subscription_id: subscription, subscription_state: "active" });
  return { ...c, subscriptionId: subscription, customerId: row!.stripe_customer_id };
}

/** The subscription at the fake once the router's waitUntil has cancelled it. */
async function cancelledAtFake(subscriptionId: string): Promise<void> {
  await eventually(async () => (await stripeApi(`/v1/subscriptions/${subscriptionId}`)).status === "canceled");
  const { cancellations } = (await stripeApi(`/__stripe/cancellations?subscription=${subscriptionId}`)) as { cancellations: unknown[] };
  expect(cancellations).toEqual([{ subscription: subscriptionId, prorate: "false", invoice_now: "false" }]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("closure and termination cancel the subscription at Stripe", () => {
  it("DELETE /v1/account cancels an active pro subscription at once; Stripe's webhook then downgrades the closed account", async () => {
    const c = await subscribed();
    expect((await asKey(c.key, "DELETE", "/v1/account")).status).toBe(200);
    await cancelledAtFake(c.subscriptionId);
    const deleted = (await fakeDeliveries(c.subscriptionId)).filter((d) => d.type === "customer.subscription.deleted");
    expect(deleted).toHaveLength(1);
    // The router does not write the cancellation itself: the webhook does.
    expect((await billingRow(c.accountId))!.subscription_state).toBe("active");
    expect(await deliverFakeEvents(c.subscriptionId)).not.toContain(500);
    expect(await billingRow(c.accountId)).toMatchObject({ subscription_state: "canceled" });
    expect(await tierOf(c.accountId)).toBe("free");
    // The customer stays until the erasure: a refund of credit left needs it.
    expect(await stripeApi(`/v1/customers/${c.customerId}`)).not.toHaveProperty("deleted");
  });

  it("the operator's termination cancels it the same way (without refund)", async () => {
    const c = await subscribed();
    expect((await admin("PATCH", `/accounts/${c.accountId}`, { status: "terminated", reason: "Repeated abuse" })).status).toBe(200);
    await cancelledAtFake(c.subscriptionId);
    await deliverFakeEvents(c.subscriptionId);
    expect(await billingRow(c.accountId)).toMatchObject({ subscription_state: "canceled" });
    expect(await tierOf(c.accountId)).toBe("free");
  });

  it("a cancellation Stripe keeps refusing is tried 3 times, logged with its ids, and left showing active in billing_accounts", async () => {
    const c = await subscribed();
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const waits: number[] = [];
    await cancelSubscriptionAtEnd({ ...env, STRIPE_API_BASE: CLOSED_PORT_BASE }, c.accountId, "closure", async (ms) => {
      waits.push(ms);
    });
    expect(waits).toEqual([1_000, 3_000]);
    const lines = spy.mock.calls.map((call) => call.join(" ")).filter((l) => l.startsWith("BILLING: subscription not cancelled"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(c.accountId);
    expect(lines[0]).toContain(c.subscriptionId);
    expect((await billingRow(c.accountId))!.subscription_state).toBe("active");
    expect((await stripeApi(`/v1/subscriptions/${c.subscriptionId}`)).status).toBe("active");
  });
});

describe("erasure deletes the Stripe customer", () => {
  it("DELETE /v1/account?erase=now deletes the customer at Stripe (its subscription ends with it) before the link goes", async () => {
    const c = await subscribed();
    expect((await asKey(c.key, "DELETE", "/v1/account?erase=now")).status).toBe(200);
    expect(await stripeApi(`/v1/customers/${c.customerId}`)).toEqual({ id: c.customerId, object: "customer", deleted: true });
    expect((await stripeApi(`/v1/subscriptions/${c.subscriptionId}`)).status).toBe("canceled");
    expect((await fakeDeliveries(c.customerId)).map((d) => d.type)).toContain("customer.deleted");
    expect(await billingRow(c.accountId)).toBeNull();
    // Stripe's events about the erased customer are acknowledged and change nothing.
    expect(await deliverFakeEvents(c.customerId)).not.toContain(500);
    expect(await tierOf(c.accountId)).toBeNull();
  });

  it("still erases when Stripe cannot be reached, and logs the customer id (not the account id) for the operator", async () => {
    const c = await subscribed();
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const base = env.STRIPE_API_BASE;
    env.STRIPE_API_BASE = CLOSED_PORT_BASE;
    try {
      expect((await asKey(c.key, "DELETE", "/v1/account?erase=now")).status).toBe(200);
    } finally {
      env.STRIPE_API_BASE = base;
    }
    expect(await env.DB.prepare("select count(*) as n from accounts where id = ?").bind(c.accountId).first("n")).toBe(0);
    expect(await billingRow(c.accountId)).toBeNull();
    const lines = spy.mock.calls.map((call) => call.join(" ")).filter((l) => l.startsWith("BILLING: Stripe customer"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(c.customerId);
    expect(lines[0]).not.toContain(c.accountId);
    // Left for the operator to delete by hand.
    expect(await stripeApi(`/v1/customers/${c.customerId}`)).not.toHaveProperty("deleted");
  });
});
