/**
 * A fake Stripe API: the calls the router makes (src/billing), with form
 * bodies in and JSON out as Stripe's API reference documents them, and
 * objects in the API version the router pins (stripe-webhooks.ts).
 *
 * - Customers: `POST /v1/customers`, `GET|POST|DELETE /v1/customers/{id}`;
 *   a deletion cancels the customer's live subscriptions at once (each sends
 *   `customer.subscription.deleted`), sends `customer.deleted`, and leaves
 *   `{id, object: "customer", deleted: true}` for a GET, as Stripe does.
 * - Checkout: `POST /v1/checkout/sessions`, `GET /v1/checkout/sessions/{id}`,
 *   `GET /v1/checkout/sessions?payment_intent=`; the hosted page and its Pay
 *   button are in stripe-checkout.ts.
 * - Customer Portal: `POST /v1/billing_portal/sessions`.
 * - Refunds: `POST /v1/refunds` (sends `charge.refunded`), `GET /v1/refunds?charge=`.
 * - Subscriptions (what the portal would do): `POST /v1/subscriptions/{id}`
 *   with `cancel_at_period_end` (sends `customer.subscription.updated`),
 *   `DELETE /v1/subscriptions/{id}` (sends `customer.subscription.deleted`;
 *   `GET /__stripe/cancellations?subscription=` lists its parameters).
 * Any `Authorization: Bearer sk_…` key is accepted; none is a 401. These
 * paths are not OpenAI's, so plain /v1 stays OpenAI's for everything else.
 * The one Price it knows is the `pro` subscription's (FAKE_PRICES).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { handleCheckoutPage, newSession, type CheckoutSession } from "./stripe-checkout.ts";
import { json, parseStripeForm, str, stringMap, stripeError, unix, type FormObject } from "./stripe-form.ts";
import { createWebhookSender, stripeId, type WebhookOptions, type WebhookSender } from "./stripe-webhooks.ts";

/** Recurring Prices the fake knows: STRIPE_PRO_PRICE_ID of .dev.vars.example and the tests. */
export const FAKE_PRICES: Record<string, { unit_amount: number; currency: string; interval: "month" }> = {
  price_fake_pro_monthly: { unit_amount: 2000, currency: "usd", interval: "month" },
};

export type StripeObject = Record<string, unknown> & { id: string };

export interface StripeState {
  customers: Map<string, StripeObject>;
  deletedCustomers: Set<string>;
  sessions: Map<string, CheckoutSession>;
  charges: Map<string, StripeObject>;
  refunds: StripeObject[];
  subscriptions: Map<string, StripeObject>;
  /** Every `DELETE /v1/subscriptions/{id}` with its parameters as sent. */
  cancellations: { subscription: string; prorate: string | null; invoice_now: string | null }[];
  webhooks: WebhookSender;
}

const list = (url: string, data: unknown[]) => ({ object: "list", data, has_more: false, url });

function customerObject(id: string, form: FormObject): StripeObject {
  return {
    id,
    object: "customer",
    address: null,
    balance: 0,
    created: unix(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email: null,
    invoice_prefix: id.slice(-8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
    ...customerFields(form),
  };
}

/** The customer fields a create or update sets; an empty string clears one, as in Stripe. */
function customerFields(form: FormObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of ["email", "name", "description", "phone"]) {
    const value = str(form, field);
    if (value !== undefined) out[field] = value === "" ? null : value;
  }
  if (form.address === "") out.address = null;
  else if (form.address !== undefined) {
    const a = stringMap(form.address);
    out.address = { city: a.city ?? null, country: a.country ?? null, line1: a.line1 ?? null, line2: a.line2 ?? null, postal_code: a.postal_code ?? null, state: a.state ?? null };
  }
  return out;
}

/** Stripe's immediate cancellation: the subscription ends now. */
const endNow = (sub: StripeObject) => Object.assign(sub, { status: "canceled", canceled_at: unix(), ended_at: unix() });

async function deleteCustomer(state: StripeState, res: ServerResponse, customer: StripeObject): Promise<void> {
  state.customers.delete(customer.id);
  state.deletedCustomers.add(customer.id);
  json(res, 200, { id: customer.id, object: "customer", deleted: true });
  for (const sub of state.subscriptions.values()) {
    if (sub.customer === customer.id && sub.status !== "canceled") await state.webhooks.send("customer.subscription.deleted", { ...endNow(sub) });
  }
  await state.webhooks.send("customer.deleted", { ...customer });
}

async function handleCustomers(state: StripeState, req: IncomingMessage, res: ServerResponse, id: string | undefined, form: FormObject): Promise<void> {
  if (!id) {
    if (req.method !== "POST") return stripeError(res, 404, `Unrecognized request URL (${req.method}: /v1/customers).`);
    const customer = customerObject(stripeId("cus"), form);
    customer.metadata = stringMap(form.metadata);
    state.customers.set(customer.id, customer);
    return json(res, 200, customer);
  }
  // A deleted customer can still be retrieved (as a stub), and nothing else.
  if (req.method === "GET" && state.deletedCustomers.has(id)) return json(res, 200, { id, object: "customer", deleted: true });
  const customer = state.customers.get(id);
  if (!customer) return stripeError(res, 404, `No such customer: '${id}'`, "id");
  if (req.method === "GET") return json(res, 200, customer);
  if (req.method === "DELETE") return deleteCustomer(state, res, customer);
  Object.assign(customer, customerFields(form));
  if (form.metadata !== undefined) customer.metadata = { ...(customer.metadata as Record<string, string>), ...stringMap(form.metadata) };
  return json(res, 200, customer);
}

function handlePortal(state: StripeState, res: ServerResponse, form: FormObject, origin: string): void {
  const customer = str(form, "customer");
  if (!customer) return stripeError(res, 400, "Missing required param: customer.", "customer");
  if (!state.customers.has(customer)) return stripeError(res, 400, `No such customer: '${customer}'`, "customer");
  const id = stripeId("bps");
  json(res, 200, {
    id,
    object: "billing_portal.session",
    configuration: "bpc_fake_default",
    created: unix(),
    customer,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: str(form, "return_url") ?? null,
    url: `${origin}/__stripe/portal/${id}`,
  });
}

async function handleRefund(state: StripeState, res: ServerResponse, form: FormObject): Promise<void> {
  const pi = str(form, "payment_intent");
  const charge = str(form, "charge") ? state.charges.get(str(form, "charge")!) : [...state.charges.values()].find((c) => c.payment_intent === pi);
  if (!charge) return stripeError(res, 400, "No such charge or payment_intent.", str(form, "charge") ? "charge" : "payment_intent");
  const remaining = (charge.amount as number) - (charge.amount_refunded as number);
  const amount = str(form, "amount") ? Number(str(form, "amount")) : remaining;
  if (!Number.isInteger(amount) || amount <= 0 || amount > remaining) return stripeError(res, 400, `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`, "amount");
  const refund: StripeObject = { id: stripeId("re"), object: "refund", amount, charge: charge.id, created: unix(), currency: charge.currency, metadata: stringMap(form.metadata), payment_intent: charge.payment_intent, reason: str(form, "reason") ?? null, status: "succeeded" };
  state.refunds.push(refund);
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded = (charge.amount_refunded as number) + amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  json(res, 200, refund);
  await state.webhooks.send("charge.refunded", { ...charge }, previous);
}

async function handleSubscription(state: StripeState, req: IncomingMessage, res: ServerResponse, id: string, form: FormObject): Promise<void> {
  const sub = state.subscriptions.get(id);
  if (!sub) return stripeError(res, 404, `No such subscription: '${id}'`, "id");
  if (req.method === "GET") return json(res, 200, sub);
  if (req.method === "DELETE") {
    // Kept for the tests (`GET /__stripe/cancellations`): whether a proration credit or a final invoice was asked for.
    state.cancellations.push({ subscription: id, prorate: str(form, "prorate") ?? null, invoice_now: str(form, "invoice_now") ?? null });
    json(res, 200, endNow(sub));
    await state.webhooks.send("customer.subscription.deleted", { ...sub });
    return;
  }
  const cancel = str(form, "cancel_at_period_end");
  if (cancel === undefined) return stripeError(res, 400, "The fake updates cancel_at_period_end only.", "cancel_at_period_end");
  const previous = { cancel_at_period_end: sub.cancel_at_period_end };
  Object.assign(sub, { cancel_at_period_end: cancel === "true", canceled_at: cancel === "true" ? unix() : null });
  json(res, 200, sub);
  await state.webhooks.send("customer.subscription.updated", { ...sub }, previous);
}

export interface FakeStripe {
  /** Whether a path is Stripe's (its API or its hosted pages). */
  owns(pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void>;
}

const API = /^\/v1\/(customers|checkout\/sessions|billing_portal\/sessions|refunds|subscriptions)(?:\/([^/]+))?$/;

export function createFakeStripe(options: WebhookOptions): FakeStripe {
  const state: StripeState = { customers: new Map(), deletedCustomers: new Set(), sessions: new Map(), charges: new Map(), refunds: [], subscriptions: new Map(), cancellations: [], webhooks: createWebhookSender(options) };
  return {
    owns: (pathname) => pathname.startsWith("/__stripe/") || API.test(pathname),
    async handle(req, res, url, body) {
      const origin = `http://${req.headers.host ?? "127.0.0.1"}`;
      if (url.pathname.startsWith("/__stripe/")) {
        if (req.method === "GET" && url.pathname === "/__stripe/deliveries") {
          const about = url.searchParams.get("about") ?? "";
          json(res, 200, { deliveries: state.webhooks.outbox.filter((d) => d.payload.includes(about)) });
        } else if (req.method === "GET" && url.pathname === "/__stripe/cancellations") {
          json(res, 200, { cancellations: state.cancellations.filter((c) => c.subscription === url.searchParams.get("subscription")) });
        } else await handleCheckoutPage(state, req, res, url);
        return;
      }
      if (!/^Bearer sk_/.test(req.headers.authorization ?? "")) return stripeError(res, 401, "You did not provide an API key.");
      // Stripe's libraries send a GET's or DELETE's parameters in the query string.
      const form = parseStripeForm(req.method === "GET" || req.method === "DELETE" ? url.search.slice(1) : body);
      const [, resource, id] = API.exec(url.pathname)!;
      if (resource === "customers") await handleCustomers(state, req, res, id, form);
      else if (resource === "billing_portal/sessions") handlePortal(state, res, form, origin);
      else if (resource === "refunds" && req.method === "POST") await handleRefund(state, res, form);
      else if (resource === "refunds") json(res, 200, list("/v1/refunds", state.refunds.filter((r) => r.charge === str(form, "charge"))));
      else if (resource === "subscriptions" && id) await handleSubscription(state, req, res, id, form);
      else if (resource === "checkout/sessions" && id) {
        const session = state.sessions.get(id);
        if (session) json(res, 200, session);
        else stripeError(res, 404, `No such checkout.session: '${id}'`, "session");
      } else if (resource === "checkout/sessions" && req.method === "GET") {
        json(res, 200, list("/v1/checkout/sessions", [...state.sessions.values()].filter((s) => s.payment_intent === str(form, "payment_intent"))));
      } else if (resource === "checkout/sessions") newSession(state, res, form, origin);
      else stripeError(res, 404, `Unrecognized request URL (${req.method}: ${url.pathname}).`);
    },
  };
}
