/**
 * The fake Stripe's Checkout: sessions made by `POST /v1/checkout/sessions`
 * are paid on a hosted page, `GET /__stripe/checkout/{id}`, whose "Pay"
 * button (`POST /__stripe/checkout/{id}/pay`) completes the session as
 * Stripe would: a payment-mode session gets a PaymentIntent and a Charge; a
 * subscription-mode one a Subscription and its first paid Invoice. The fake
 * then sends the webhook events Stripe sends (subscription mode:
 * `customer.subscription.created`, `invoice.paid`; both:
 * `checkout.session.completed`) and redirects (303) to the success URL.
 *
 * Dunning, for local runs: `POST /__stripe/subscriptions/{id}/fail-payment`
 * marks the subscription `past_due` and sends `invoice.payment_failed` and
 * `customer.subscription.updated`, as a declined renewal would.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { json, str, stringMap, stripeError, unix, type FormObject } from "./stripe-form.ts";
import { FAKE_PRICES, type StripeObject, type StripeState } from "./stripe.ts";
import { stripeId } from "./stripe-webhooks.ts";

export type CheckoutSession = StripeObject & { mode: string; status: string; payment_intent: string | null };

const DAY_S = 86_400;

interface LineItem {
  amount: number;
  currency: string;
  price: string | null;
  recurring: boolean;
}

/** One line item of the form, or an error message. */
function lineItem(form: FormObject): LineItem | string {
  const items = form.line_items;
  if (!Array.isArray(items) || items.length !== 1) return "The fake takes exactly one line_items entry.";
  const quantity = Number(str(items[0], "quantity") ?? "1");
  const priceId = str(items[0], "price");
  if (priceId) {
    const price = FAKE_PRICES[priceId];
    if (!price) return `No such price: '${priceId}'`;
    return { amount: price.unit_amount * quantity, currency: price.currency, price: priceId, recurring: true };
  }
  const unitAmount = Number(str(items[0], "price_data", "unit_amount"));
  const currency = str(items[0], "price_data", "currency");
  if (!Number.isInteger(unitAmount) || unitAmount < 1 || !currency) return "line_items[0][price_data] needs an integer unit_amount and a currency.";
  if (!str(items[0], "price_data", "product_data", "name")) return "line_items[0][price_data][product_data][name] is required.";
  return { amount: unitAmount * quantity, currency, price: null, recurring: str(items[0], "price_data", "recurring", "interval") !== undefined };
}

export function newSession(state: StripeState, res: ServerResponse, form: FormObject, origin: string): void {
  const mode = str(form, "mode");
  if (mode !== "payment" && mode !== "subscription") return stripeError(res, 400, "mode must be payment or subscription (the fake has no setup mode).", "mode");
  const successUrl = str(form, "success_url");
  if (!successUrl) return stripeError(res, 400, "Missing required param: success_url.", "success_url");
  const item = lineItem(form);
  if (typeof item === "string") return stripeError(res, 400, item, "line_items");
  if (item.recurring !== (mode === "subscription")) return stripeError(res, 400, `A ${mode}-mode session needs ${mode === "subscription" ? "a recurring" : "a one-time"} price.`, "line_items[0]");
  const customer = str(form, "customer") ?? null;
  if (customer && !state.customers.has(customer)) return stripeError(res, 400, `No such customer: '${customer}'`, "customer");
  const id = stripeId("cs_test");
  const created = unix();
  const session: CheckoutSession = {
    id,
    object: "checkout.session",
    amount_subtotal: item.amount,
    amount_total: item.amount,
    cancel_url: str(form, "cancel_url") ?? null,
    client_reference_id: str(form, "client_reference_id") ?? null,
    created,
    currency: item.currency,
    customer,
    customer_email: str(form, "customer_email") ?? null,
    expires_at: created + DAY_S,
    invoice: null,
    livemode: false,
    metadata: stringMap(form.metadata),
    mode,
    payment_intent: null,
    payment_status: "unpaid",
    status: "open",
    subscription: null,
    success_url: successUrl,
    url: `${origin}/__stripe/checkout/${id}`,
    // Kept for completion; Stripe does not echo these on the session.
    _price: item.price,
    _subscriptionMetadata: stringMap((form.subscription_data as FormObject | undefined)?.metadata),
  };
  state.sessions.set(id, session);
  json(res, 200, publicView(session));
}

/** The session without the fake's own bookkeeping (fields starting with "_"). */
const publicView = (session: CheckoutSession) => Object.fromEntries(Object.entries(session).filter(([k]) => !k.startsWith("_")));

function page(res: ServerResponse, session: CheckoutSession): void {
  const amount = `${((session.amount_total as number) / 100).toFixed(2)} ${String(session.currency).toUpperCase()}`;
  const what = session.mode === "subscription" ? "Subscription (monthly)" : "Credit top-up";
  const done = session.status === "complete";
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Stripe Checkout</title></head>
<body><main><h1>Fake Stripe Checkout</h1><p>${what}: <strong>${amount}</strong></p>
${done ? "<p>This session is already paid.</p>" : `<form method="post" action="/__stripe/checkout/${session.id}/pay"><button type="submit">Pay</button></form>`}
<p>Test mode: no money moves.</p></main></body></html>`);
}

async function completeSubscription(state: StripeState, session: CheckoutSession): Promise<void> {
  const now = unix();
  const price = FAKE_PRICES[session._price as string]!;
  const subscriptionId = stripeId("sub");
  const invoiceId = stripeId("in");
  const metadata = session._subscriptionMetadata as Record<string, string>;
  const subscription: StripeObject = {
    id: subscriptionId,
    object: "subscription",
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    created: now,
    currency: price.currency,
    customer: session.customer,
    ended_at: null,
    items: {
      object: "list",
      data: [{ id: stripeId("si"), object: "subscription_item", current_period_start: now, current_period_end: now + 30 * DAY_S, price: { id: session._price, object: "price", currency: price.currency, unit_amount: price.unit_amount, recurring: { interval: price.interval, interval_count: 1 } }, quantity: 1, subscription: subscriptionId }],
      has_more: false,
    },
    latest_invoice: invoiceId,
    metadata,
    start_date: now,
    status: "active",
  };
  state.subscriptions.set(subscriptionId, subscription);
  Object.assign(session, { subscription: subscriptionId, invoice: invoiceId });
  await state.webhooks.send("customer.subscription.created", { ...subscription });
  await state.webhooks.send("invoice.paid", invoiceObject(invoiceId, subscription, "subscription_create", "paid"));
}

export function invoiceObject(id: string, subscription: StripeObject, reason: string, status: "paid" | "open"): StripeObject {
  const amount = ((subscription.items as { data: { price: { unit_amount: number } }[] }).data[0]!.price.unit_amount);
  return {
    id,
    object: "invoice",
    amount_due: amount,
    amount_paid: status === "paid" ? amount : 0,
    amount_remaining: status === "paid" ? 0 : amount,
    attempt_count: 1,
    billing_reason: reason,
    created: unix(),
    currency: subscription.currency,
    customer: subscription.customer,
    livemode: false,
    parent: { type: "subscription_details", quote_details: null, subscription_details: { metadata: subscription.metadata, subscription: subscription.id } },
    status,
    status_transitions: { paid_at: status === "paid" ? unix() : null },
  };
}

async function pay(state: StripeState, res: ServerResponse, session: CheckoutSession): Promise<void> {
  if (session.status !== "open") return stripeError(res, 400, "This Checkout Session is no longer open.");
  if (session.mode === "payment") {
    const paymentIntent = stripeId("pi");
    const charge: StripeObject = {
      id: stripeId("ch"),
      object: "charge",
      amount: session.amount_total,
      amount_captured: session.amount_total,
      amount_refunded: 0,
      captured: true,
      created: unix(),
      currency: session.currency,
      customer: session.customer,
      livemode: false,
      metadata: {},
      paid: true,
      payment_intent: paymentIntent,
      refunded: false,
      status: "succeeded",
    };
    state.charges.set(charge.id, charge);
    session.payment_intent = paymentIntent;
  } else await completeSubscription(state, session);
  Object.assign(session, { status: "complete", payment_status: "paid" });
  await state.webhooks.send("checkout.session.completed", publicView(session));
  res.writeHead(303, { location: String(session.success_url).replace("{CHECKOUT_SESSION_ID}", session.id) });
  res.end();
}

async function failPayment(state: StripeState, res: ServerResponse, subscription: StripeObject): Promise<void> {
  const previous = { status: subscription.status };
  subscription.status = "past_due";
  json(res, 200, subscription);
  await state.webhooks.send("invoice.payment_failed", invoiceObject(stripeId("in"), subscription, "subscription_cycle", "open"));
  await state.webhooks.send("customer.subscription.updated", { ...subscription }, previous);
}

/** The hosted pages under /__stripe/ (a browser's, not the API's). */
export async function handleCheckoutPage(state: StripeState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const [, , kind, id, action] = url.pathname.split("/");
  if (kind === "checkout" && id) {
    const session = state.sessions.get(id);
    if (!session) return stripeError(res, 404, `No such checkout.session: '${id}'`);
    if (req.method === "GET" && !action) return page(res, session);
    if (req.method === "POST" && action === "pay") return pay(state, res, session);
  }
  if (kind === "portal" && req.method === "GET") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return void res.end("<!doctype html><title>Fake Stripe Customer Portal</title><h1>Fake Stripe Customer Portal</h1><p>Payment methods and invoices would be managed here.</p>");
  }
  if (kind === "subscriptions" && id && req.method === "POST" && action === "fail-payment") {
    const subscription = state.subscriptions.get(id);
    if (!subscription) return stripeError(res, 404, `No such subscription: '${id}'`);
    return failPayment(state, res, subscription);
  }
  stripeError(res, 404, `Unrecognized fake Stripe page ${url.pathname}.`);
}
