/**
 * Rectification reaches Stripe: once a new email address is confirmed, the
 * account's Stripe customer gets it (after the response); while it only
 * waits for confirmation, the customer keeps the address in use.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { coreDb } from "../src/db/client";
import { accounts, billingAccounts } from "../src/db/schema";
import { ConsoleClient, mailTo, signedInClient } from "./helpers/console";
import { call, newCustomer } from "./helpers/router";

const stripeCustomer = async (id: string) =>
  (await (await fetch(`${env.FAKE_UPSTREAM_URL}/v1/customers/${id}`, { headers: { authorization: "Bearer sk_test_fake_emby" } })).json()) as { email: string | null };

describe("a confirmed email change", () => {
  it("reaches the account's Stripe customer; a pending one does not", async () => {
    const c = await newCustomer({ consent: false });
    const checkout = await call("/v1/billing/checkout", {
      method: "POST", headers: { authorization: `Bearer ${c.key}`, "content-type": "application/json" }, body: JSON.stringify({ purpose: "credits", amount_usd: 10 }),
    });
    expect(checkout.status).toBe(201);
    const db = coreDb(env.DB);
    const { stripeCustomerId } = (await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, c.accountId)).get())!;
    const account = (await db.select().from(accounts).where(eq(accounts.id, c.accountId)).get())!;
    expect((await stripeCustomer(stripeCustomerId!)).email).toBe(account.email);

    const next = `new-${crypto.randomUUID().slice(0, 8)}@example.org`;
    const client = await signedInClient(c.accountId);
    await client.get("/privacy/details");
    const asked = await client.post("/privacy/details", { name: account.name, company: "", line1: "", line2: "", city: "", postal_code: "", country: "", email: next });
    expect(asked.headers.get("location")).toBe("/privacy/details?saved=email");
    expect((await stripeCustomer(stripeCustomerId!)).email).toBe(account.email);

    const link = new URL(/https:\/\/console\.test\/auth\/confirm-email\?\S+/.exec(mailTo(next).at(-1)!.text)![0]);
    const browser = new ConsoleClient();
    const page = await (await browser.get(link.pathname + link.search)).text();
    const confirmed = await browser.post("/auth/confirm-email", { token: /name="token" value="([^"]+)"/.exec(page)![1]! });
    expect(confirmed.status).toBe(200);
    expect((await stripeCustomer(stripeCustomerId!)).email).toBe(next);
  });
});
