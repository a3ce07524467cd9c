/**
 * The console's billing page: balance and transactions of the signed-in
 * account only, the forms (buy credits, upgrade, portal, low-balance notice)
 * with 400 and a message for bad input, 303 to the fake Stripe's Checkout,
 * the return flags, and other accounts out of reach.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signedInClient } from "./helpers/console";
import { adjust } from "./helpers/credits";
import { tableRows } from "./helpers/html-tables";
import { limiterStub } from "./helpers/limiter";
import { newCustomer } from "./helpers/router";
import { deliverFakeEvents } from "./helpers/stripe";

const USD = 1_000_000_000;
const checkoutUrl = (id: string) => `${env.FAKE_UPSTREAM_URL}/__stripe/checkout/${id}`;
const sessionIdOf = (location: string) => /\/__stripe\/checkout\/([^/?]+)$/.exec(location)?.[1] ?? null;
const stored = async (accountId: string) =>
  (await env.DB.prepare("select low_balance_threshold_nano as t from billing_accounts where account_id = ?").bind(accountId).first<{ t: number | null }>())?.t;

describe("the billing page", () => {
  it("shows the balance, what is available and reserved, and the account's own transactions, newest first", async () => {
    const a = await newCustomer({ credits: 40 });
    const b = await newCustomer({ credits: 7 });
    await adjust(a.accountId, -2.5 * USD);
    const client = await signedInClient(a.accountId);
    const res = await client.get("/billing");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<a href="/billing" aria-current="page">Billing</a>');
    expect(html).toContain('data-testid="balance">$37.50<');
    expect(html).toContain('data-testid="available">$37.50<');
    expect(html).toContain('data-testid="reserved">$0.00<');
    const rows = await tableRows(html, "table.transactions");
    expect(rows[0]).toEqual(["Date", "Kind", "Amount", "Requests"]);
    expect(rows.slice(1).map((r) => [r[1], r[2]])).toEqual([
      ["Adjustment", "−$2.50"],
      ["Adjustment", "$40.00"],
    ]);
    // B's balance and its $7 grant appear nowhere on A's page.
    expect(html).not.toContain("$7.00");
    const bPage = await (await (await signedInClient(b.accountId)).get("/billing")).text();
    expect(bPage).toContain('data-testid="balance">$7.00<');
    expect(bPage).not.toContain("$40.00");
  });

  it("says a return from Checkout succeeded or was cancelled, without trusting the flag for money", async () => {
    const { accountId } = await newCustomer({ credits: 3 });
    const client = await signedInClient(accountId);
    const ok = await (await client.get("/billing?checkout=success&session_id=cs_forged")).text();
    expect(ok).toContain("Payment received");
    expect(ok).toContain('data-testid="balance">$3.00<');
    expect(await (await client.get("/billing?checkout=cancelled")).text()).toContain("Checkout cancelled");
    expect(await (await client.get("/billing?checkout=whatever")).text()).not.toMatch(/Payment received|Checkout cancelled/);
  });
});

describe("buying credits and upgrading", () => {
  it("answers 303 to the fake Stripe's Checkout for the amount; paying it credits the balance shown", async () => {
    const { accountId } = await newCustomer({ tier: "free", credits: 0 });
    const client = await signedInClient(accountId);
    const res = await client.post("/billing/credits", { amount: "25.50" });
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    const id = sessionIdOf(location)!;
    expect(location).toBe(checkoutUrl(id));
    const paid = await fetch(`${location}/pay`, { method: "POST", redirect: "manual" });
    expect(paid.headers.get("location")).toBe(`https://console.test/billing?checkout=success&session_id=${id}`);
    await deliverFakeEvents(id);
    expect((await limiterStub(accountId).creditState()).balanceNano).toBe(25.5 * USD);
    expect(await (await client.get("/billing?checkout=success")).text()).toContain('data-testid="balance">$25.50<');
  });

  it("refuses an amount that is not a plain amount within the bounds with 400 and a message, starting no Checkout", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    for (const amount of ["", "abc", "4.99", "2000.01", "10.001", "-10"]) {
      const res = await client.post("/billing/credits", { amount });
      expect(res.status, amount).toBe(400);
      const html = await res.text();
      expect(html).toContain('id="buy-amount-error"');
      expect(html).toContain("Enter an amount in US dollars from 5 to 2000");
    }
  });

  it("upgrades to Pro through Checkout, then offers Manage billing (the portal) instead", async () => {
    const { accountId } = await newCustomer({ tier: "free" });
    const client = await signedInClient(accountId);
    const page = await (await client.get("/billing")).text();
    expect(page).toContain(">Upgrade to Pro</button>");
    expect(page).not.toContain(">Manage billing</button>");
    const res = await client.post("/billing/subscribe");
    expect(res.status).toBe(303);
    const id = sessionIdOf(res.headers.get("location")!)!;
    await fetch(`${checkoutUrl(id)}/pay`, { method: "POST", redirect: "manual" });
    const session = (await (await fetch(`${env.FAKE_UPSTREAM_URL}/v1/checkout/sessions/${id}`, { headers: { authorization: "Bearer sk_test_fake_emby" } })).json()) as { subscription: string };
    await deliverFakeEvents(session.subscription);
    const after = await (await client.get("/billing")).text();
    expect(after).toMatch(/<dt>Tier<\/dt><dd>Pro<\/dd>/);
    expect(after).toContain("Active, renews");
    expect(after).not.toContain(">Upgrade to Pro</button>");
    const portal = await client.post("/billing/portal");
    expect(portal.status).toBe(303);
    expect(portal.headers.get("location")).toMatch(/^https?:\/\//);
    // A second subscription is refused on the page (409), not on an error page.
    const again = await client.post("/billing/subscribe");
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already has a pro subscription");
  });
});

describe("the low-balance notice form", () => {
  it("stores the threshold, tells the limiter, shows it again, and an empty value turns it off", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const page = await (await client.get("/billing")).text();
    expect(page).toContain('<label for="notice-threshold">Notify me below (USD)</label>');
    const saved = await client.post("/billing/notice", { threshold: "12.5" });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/billing?saved=notice");
    expect(await stored(accountId)).toBe(12.5 * USD);
    expect((await limiterStub(accountId).creditState()).lowBalanceThresholdNano).toBe(12.5 * USD);
    const shown = await (await client.get("/billing?saved=notice")).text();
    expect(shown).toContain("Low-balance notice saved.");
    expect(shown).toContain('name="threshold" type="text" value="12.50"');
    expect((await client.post("/billing/notice", { threshold: "" })).status).toBe(303);
    expect(await stored(accountId)).toBeNull();
    expect((await limiterStub(accountId).creditState()).lowBalanceThresholdNano).toBeNull();
  });

  it("refuses a bad threshold with 400 and a message, and changes nothing", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    for (const threshold of ["0", "-1", "ten", "1.0000000001", "2000000"]) {
      const res = await client.post("/billing/notice", { threshold });
      expect(res.status, threshold).toBe(400);
      expect(await res.text()).toContain('id="notice-threshold-error"');
    }
    expect(await stored(accountId)).toBeUndefined();
  });
});

describe("isolation and CSRF", () => {
  it("refuses forms without the CSRF token or from another origin, and a page cursor of another account", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    await adjust(b.accountId, 1 * USD);
    const client = await signedInClient(a.accountId);
    expect((await client.post("/billing/notice", { threshold: "5" }, { csrf: null })).status).toBe(403);
    expect((await client.post("/billing/credits", { amount: "25" }, { origin: "https://evil.test" })).status).toBe(403);
    expect(await stored(a.accountId)).toBeUndefined();
    // B's newest transaction id as A's page cursor: as unknown as a made-up one (404), B's data not shown.
    const bCredits = (await limiterStub(b.accountId).creditState()).pending;
    const foreign = bCredits[0]!.entryId;
    const res = await client.get(`/billing?before=${encodeURIComponent(foreign)}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("$1.00");
  });

  it("is only for signed-in visitors", async () => {
    const { consoleFetch } = await import("./helpers/console");
    const res = await consoleFetch("/billing", { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^\/sign-in/);
  });
});
