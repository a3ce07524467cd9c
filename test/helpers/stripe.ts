/**
 * Stripe webhooks for workers tests: events built and signed as Stripe signs
 * them (HMAC-SHA256 of `<t>.<payload>` with the endpoint secret, WebCrypto),
 * posted to the router; and the fake Stripe's own deliveries replayed (the
 * fake cannot reach workerd, so it keeps them in an outbox).
 */
import { env } from "cloudflare:workers";
import { call } from "./router";

export const WEBHOOK_SECRET = "whsec_test_emby";

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

export async function stripeSignature(payload: string, timestamp = Math.floor(Date.now() / 1000), secret = WEBHOOK_SECRET): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${payload}`));
  return `t=${timestamp},v1=${hex(mac)}`;
}

export interface TestEvent {
  id: string;
  type: string;
  /** Unix seconds. */
  created: number;
  object: Record<string, unknown>;
}

let counter = 0;
export const eventId = () => `evt_test_${Date.now()}_${++counter}`;

export function eventPayload(event: TestEvent): string {
  return JSON.stringify({ id: event.id, object: "event", api_version: "2026-10-28.endive", created: event.created, data: { object: event.object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type: event.type });
}

export function postWebhook(payload: string, signature: string | null): Promise<Response> {
  return call("/v1/billing/webhook", { method: "POST", headers: { "content-type": "application/json", ...(signature ? { "stripe-signature": signature } : {}) }, body: payload });
}

/** Signs and posts an event; resolves with the router's answer. */
export async function sendEvent(event: TestEvent): Promise<Response> {
  const payload = eventPayload(event);
  return postWebhook(payload, await stripeSignature(payload));
}

/** A subscription object as the pinned API version renders it; its one item's price is the pro price unless `price` says otherwise. */
export function subscriptionObject(fields: { id: string; customer: string; status: string; cancelAtPeriodEnd?: boolean; periodEnd?: number; price?: string }): Record<string, unknown> {
  return {
    id: fields.id,
    object: "subscription",
    customer: fields.customer,
    status: fields.status,
    cancel_at_period_end: fields.cancelAtPeriodEnd ?? false,
    items: {
      object: "list",
      data: [{ id: `si_${fields.id}`, object: "subscription_item", current_period_end: fields.periodEnd ?? Math.floor(Date.now() / 1000) + 30 * 86_400, price: { id: fields.price ?? env.STRIPE_PRO_PRICE_ID, object: "price" } }],
    },
    metadata: {},
  };
}

export function invoiceObject(fields: { id: string; customer: string; subscription: string; amountPaid?: number }): Record<string, unknown> {
  return { id: fields.id, object: "invoice", customer: fields.customer, amount_paid: fields.amountPaid ?? 0, currency: "usd", parent: { type: "subscription_details", subscription_details: { subscription: fields.subscription, metadata: {} } } };
}

export interface FakeDelivery {
  id: string;
  type: string;
  payload: string;
  signature: string;
}

/** What the fake Stripe sent about a Stripe object (its id appears in the payload), oldest first. */
export async function fakeDeliveries(about: string): Promise<FakeDelivery[]> {
  const res = await fetch(`${env.FAKE_UPSTREAM_URL}/__stripe/deliveries?about=${encodeURIComponent(about)}`);
  return ((await res.json()) as { deliveries: FakeDelivery[] }).deliveries;
}

/** Replays the fake's deliveries about an object to the router, as Stripe would deliver them; resolves with the statuses. */
export async function deliverFakeEvents(about: string): Promise<number[]> {
  const statuses: number[] = [];
  for (const d of await fakeDeliveries(about)) statuses.push((await postWebhook(d.payload, d.signature)).status);
  return statuses;
}
