/**
 * The fake Stripe, driven by the real `stripe` library (its Node build) and a
 * local webhook receiver: the calls the router makes get Stripe's shapes, and
 * the Pay button's webhooks verify with Stripe's own verification.
 */
import { createServer, type Server } from "node:http";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/server.ts";
import { parseStripeForm } from "../fake-upstream/stripe-form.ts";

const SECRET = "whsec_node_test";
let fake: FakeUpstream;
let receiver: Server;
const received: { payload: string; signature: string }[] = [];
let stripe: Stripe;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      received.push({ payload: body, signature: String(req.headers["stripe-signature"]) });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const port = (receiver.address() as { port: number }).port;
  fake = await startFakeUpstream({ stripeWebhookUrl: `http://127.0.0.1:${port}/hook`, stripeWebhookSecret: SECRET });
  stripe = new Stripe("sk_test_node", { host: "127.0.0.1", port: fake.port, protocol: "http", maxNetworkRetries: 0 });
});
afterAll(async () => {
  await fake.close();
  await new Promise((r) => receiver.close(r));
});

describe("the fake Stripe", () => {
  it("decodes Stripe's nested form encoding", () => {
    expect(parseStripeForm("a[b]=1&line_items[0][price_data][unit_amount]=500&line_items[1][price]=p&metadata[x]=y")).toEqual({
      a: { b: "1" },
      line_items: [{ price_data: { unit_amount: "500" } }, { price: "p" }],
      metadata: { x: "y" },
    });
  });

  it("creates, reads, updates and deletes customers as the library expects", async () => {
    const created = await stripe.customers.create({ email: "a@example.com", name: "A", metadata: { account_id: "acc_1" } });
    expect(created).toMatchObject({ object: "customer", email: "a@example.com", name: "A", metadata: { account_id: "acc_1" }, address: null });
    const updated = await stripe.customers.update(created.id, { name: "Acme", address: { line1: "L", city: "Berlin", country: "DE" } });
    expect(updated).toMatchObject({ name: "Acme", address: { line1: "L", city: "Berlin", country: "DE", line2: null } });
    expect(await stripe.customers.retrieve(created.id)).toMatchObject({ name: "Acme" });
    expect(await stripe.customers.del(created.id)).toEqual({ id: created.id, object: "customer", deleted: true });
    // As Stripe answers: a deleted customer is still retrievable, as its deleted stub.
    expect(await stripe.customers.retrieve(created.id)).toEqual({ id: created.id, object: "customer", deleted: true });
  });

  it("refuses a call without a secret key (401) and a session without success_url (400 with param)", async () => {
    expect((await fetch(`${fake.url}/v1/customers`, { method: "POST" })).status).toBe(401);
    await expect(stripe.checkout.sessions.create({ mode: "payment", line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 500, product_data: { name: "x" } } }] })).rejects.toMatchObject({ statusCode: 400, param: "success_url" });
  });

  it("Pay completes a payment session, sends a signed checkout.session.completed and redirects to success_url", async () => {
    const customer = await stripe.customers.create({ email: "b@example.com" });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: customer.id,
      line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 1500, product_data: { name: "Credits" } } }],
      metadata: { account_id: "acc_2", purpose: "credits" },
      success_url: "https://console.test/billing?session_id={CHECKOUT_SESSION_ID}",
    });
    expect(session).toMatchObject({ object: "checkout.session", status: "open", payment_status: "unpaid", amount_total: 1500, url: `${fake.url}/__stripe/checkout/${session.id}` });
    expect(await (await fetch(session.url!)).text()).toContain("15.00 USD");
    const before = received.length;
    const paid = await fetch(`${session.url}/pay`, { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`https://console.test/billing?session_id=${session.id}`);
    const [delivery] = received.slice(before);
    const event = await stripe.webhooks.constructEventAsync(delivery!.payload, delivery!.signature, SECRET, 300);
    expect(event.type).toBe("checkout.session.completed");
    expect(event.data.object).toMatchObject({ id: session.id, status: "complete", payment_status: "paid", metadata: { account_id: "acc_2" } });
    await expect(stripe.webhooks.constructEventAsync(delivery!.payload, delivery!.signature, "whsec_wrong", 300)).rejects.toThrow();
  });

  it("a subscription session sends customer.subscription.created, invoice.paid and checkout.session.completed", async () => {
    const customer = await stripe.customers.create({ email: "c@example.com" });
    const session = await stripe.checkout.sessions.create({ mode: "subscription", customer: customer.id, line_items: [{ price: "price_fake_pro_monthly", quantity: 1 }], success_url: "https://x.test/ok" });
    const before = received.length;
    await fetch(`${session.url}/pay`, { method: "POST", redirect: "manual" });
    const events = received.slice(before).map((d) => JSON.parse(d.payload) as Stripe.Event);
    expect(events.map((e) => e.type)).toEqual(["customer.subscription.created", "invoice.paid", "checkout.session.completed"]);
    const sub = events[0]!.data.object as Stripe.Subscription;
    expect(sub.items.data[0]!.current_period_end).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect((events[1]!.data.object as Stripe.Invoice).parent?.subscription_details?.subscription).toBe(sub.id);
    await expect(stripe.checkout.sessions.create({ mode: "subscription", line_items: [{ price: "price_unknown", quantity: 1 }], success_url: "https://x.test" })).rejects.toMatchObject({ statusCode: 400 });
  });
});
