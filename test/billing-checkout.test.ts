/**
 * Checkout and the Customer Portal through the fake Stripe: a top-up paid
 * on the fake's hosted page credits the balance, a subscription upgrades the
 * tier, a second one is refused; bounds, scopes and other accounts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { limiterStub, eventually } from "./helpers/limiter";
import { call, errorOf, newCustomer } from "./helpers/router";
import { deliverFakeEvents } from "./helpers/stripe";

const post = (key: string, path: string, body?: unknown) =>
  call(path, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

const stripeApi = (path: string, init: RequestInit = {}) => fetch(`${env.FAKE_UPSTREAM_URL}${path}`, { ...init, headers: { authorization: "Bearer sk_test_fake_emby", ...init.headers } });

/** Pays a session on the fake's hosted page (as the customer's browser would) and delivers the webhooks. */
async function pay(url: string, sessionId: string): Promise<string> {
  const page = await fetch(url);
  expect(await page.text()).toContain(">Pay</button>");
  const paid = await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
  expect(paid.status).toBe(303);
  expect(await deliverFakeEvents(sessionId)).not.toContain(400);
  return paid.headers.get("location")!;
}

describe("POST /v1/billing/checkout", () => {
  it("a credit top-up paid through the fake's Pay button adds exactly the amount to the balance", async () => {
    const c = await newCustomer({ tier: "free" });
    const before = (await limiterStub(c.accountId).creditState()).balanceNano;
    const res = await post(c.key, "/v1/billing/checkout", { purpose: "credits", amount_usd: 25.5 });
    expect(res.status).toBe(201);
    const { id, url } = (await res.json()) as { id: string; url: string };
    expect(url).toBe(`${env.FAKE_UPSTREAM_URL}/__stripe/checkout/${id}`);
    const session = (await (await stripeApi(`/v1/checkout/sessions/${id}`)).json()) as Record<string, unknown>;
    expect(session).toMatchObject({ mode: "payment", amount_total: 2550, currency: "usd", metadata: { account_id: c.accountId, purpose: "credits" } });
    expect(await pay(url, id)).toBe(`https://console.test/billing?checkout=success&session_id=${id}`);
    const after = await limiterStub(c.accountId).creditState();
    expect(after.balanceNano - before).toBe(25_500_000_000);
    // Delivered again (Stripe retries): nothing more.
    await deliverFakeEvents(id);
    expect((await limiterStub(c.accountId).creditState()).balanceNano).toBe(after.balanceNano);
  });

  it("a pro subscription paid through the fake upgrades the tier; a second one is refused with 409", async () => {
    const c = await newCustomer({ tier: "free" });
    const res = await post(c.key, "/v1/billing/checkout", { purpose: "subscription", tier: "pro" });
    expect(res.status).toBe(201);
    const { id, url } = (await res.json()) as { id: string; url: string };
    const session = (await (await stripeApi(`/v1/checkout/sessions/${id}`)).json()) as Record<string, unknown>;
    expect(session).toMatchObject({ mode: "subscription", amount_total: 2000 });
    await pay(url, id);
    const paid = (await (await stripeApi(`/v1/checkout/sessions/${id}`)).json()) as { subscription: string };
    await deliverFakeEvents(paid.subscription);
    expect(await env.DB.prepare("select tier from accounts where id = ?").bind(c.accountId).first("tier")).toBe("pro");
    const again = await post(c.key, "/v1/billing/checkout", { purpose: "subscription", tier: "pro" });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("subscription_active");
  });

  it("one Stripe customer per account, made at the first checkout with the account's details", async () => {
    const c = await newCustomer({ tier: "free" });
    await post(c.key, "/v1/billing/checkout", { purpose: "credits", amount_usd: 10 });
    await post(c.key, "/v1/billing/checkout", { purpose: "credits", amount_usd: 10 });
    const rows = await env.DB.prepare("select stripe_customer_id from billing_accounts where account_id = ?").bind(c.accountId).all<{ stripe_customer_id: string }>();
    expect(rows.results).toHaveLength(1);
    const customer = (await (await stripeApi(`/v1/customers/${rows.results[0]!.stripe_customer_id}`)).json()) as Record<string, unknown>;
    expect(customer).toMatchObject({ name: "Test User", metadata: { account_id: c.accountId } });
  });

  it("refuses an amount below the minimum, above the maximum, or with fractions of a cent (400, param amount_usd)", async () => {
    const c = await newCustomer();
    for (const amount_usd of [4.99, 2000.01, 10.001, -5, 0]) {
      const res = await post(c.key, "/v1/billing/checkout", { purpose: "credits", amount_usd });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).param).toBe("amount_usd");
    }
    expect((await post(c.key, "/v1/billing/checkout", { purpose: "subscription", tier: "enterprise" })).status).toBe(400);
  });

  it("a key without the manage scope gets 403, for checkout and portal", async () => {
    const c = await newCustomer({ consent: false, key: { scopes: ["inference"] } });
    for (const path of ["/v1/billing/checkout", "/v1/billing/portal"]) {
      const res = await post(c.key, path, { purpose: "credits", amount_usd: 10 });
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("missing_scope");
    }
  });
});

describe("POST /v1/billing/portal", () => {
  it("returns a portal link for the account's own customer; another account has none (404)", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    expect((await errorOf(await post(a.key, "/v1/billing/portal"))).code).toBe("no_billing_customer");
    await post(a.key, "/v1/billing/checkout", { purpose: "credits", amount_usd: 10 });
    const res = await post(a.key, "/v1/billing/portal");
    expect(res.status).toBe(201);
    const { url } = (await res.json()) as { url: string };
    expect(url).toMatch(new RegExp(`^${env.FAKE_UPSTREAM_URL}/__stripe/portal/bps_`));
    expect((await post(b.key, "/v1/billing/portal")).status).toBe(404);
  });
});

describe("customer sync", () => {
  it("a new company and billing address reach the Stripe customer after the response", async () => {
    const c = await newCustomer();
    await post(c.key, "/v1/billing/checkout", { purpose: "credits", amount_usd: 10 });
    const customerId = (await env.DB.prepare("select stripe_customer_id from billing_accounts where account_id = ?").bind(c.accountId).first<string>("stripe_customer_id"))!;
    const patched = await call("/v1/account", {
      method: "PATCH",
      headers: { authorization: `Bearer ${c.key}`, "content-type": "application/json" },
      body: JSON.stringify({ company: "Acme GmbH", billing_address: { line1: "Hauptstr. 1", city: "Berlin", postal_code: "10115", country: "DE" } }),
    });
    expect(patched.status).toBe(200);
    await eventually(async () => {
      const customer = (await (await stripeApi(`/v1/customers/${customerId}`)).json()) as { name: string; address: { country: string | null } | null };
      return customer.name === "Acme GmbH" && customer.address?.country === "DE";
    });
  });
});
