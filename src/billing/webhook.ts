/**
 * `POST /v1/billing/webhook`: Stripe's events, verified with Stripe's library
 * over the raw body (HMAC-SHA256 with STRIPE_WEBHOOK_SECRET, timestamps more
 * than WEBHOOK_TOLERANCE_S away refused), applied once each: an event is
 * recorded in `stripe_events` after it was applied, so a redelivery is
 * acknowledged without being applied again, and a failure part-way (answered
 * 500) is retried by Stripe and applied again, harmlessly: money entries are
 * idempotent by entry id, subscription state by its ordering rules.
 */
import Stripe from "stripe";
import { isEventProcessed, markEventProcessed } from "../db/billing-accounts";
import { coreDb } from "../db/client";
import { errors } from "../shared/errors";
import { stripeEventSchema } from "./events";
import { stripeClient } from "./stripe";
import { onChargeRefunded, onCheckoutCompleted, onInvoiceFailed, onInvoicePaid, onSubscriptionEvent, parseObject, WebhookPayloadError, type WebhookEnv } from "./webhook-handlers";

/** Stripe's own default tolerance: a replayed delivery older than this is refused. */
export const WEBHOOK_TOLERANCE_S = 300;

type Handler = (env: WebhookEnv, object: unknown, atMs: number) => Promise<void>;

/** The events to enable on the endpoint (docs/billing.md); any other is acknowledged and ignored. */
export const WEBHOOK_EVENTS: Readonly<Record<string, Handler>> = {
  "checkout.session.completed": onCheckoutCompleted,
  "checkout.session.async_payment_succeeded": onCheckoutCompleted,
  "customer.subscription.created": onSubscriptionEvent,
  "customer.subscription.updated": onSubscriptionEvent,
  "customer.subscription.deleted": onSubscriptionEvent,
  "invoice.paid": onInvoicePaid,
  "invoice.payment_failed": onInvoiceFailed,
  "charge.refunded": onChargeRefunded,
};

const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** Verifies a delivery; 400 for a missing or bad signature, a stale timestamp or a malformed body. */
async function verify(env: WebhookEnv, rawBody: string, signature: string | undefined): Promise<unknown> {
  if (!signature) throw errors.invalidRequest("Missing Stripe-Signature header.", null, "missing_signature");
  try {
    return await stripeClient(env).webhooks.constructEventAsync(rawBody, signature, env.STRIPE_WEBHOOK_SECRET, WEBHOOK_TOLERANCE_S, cryptoProvider);
  } catch (err) {
    // The library says which (no signature matched, timestamp outside the tolerance, bad JSON); none of it is secret.
    throw errors.invalidRequest(`Webhook signature verification failed: ${err instanceof Error ? err.message : "invalid"}`, null, "invalid_signature");
  }
}

/** Handles one delivery; resolves with whether it was a redelivery of an event already applied. */
export async function handleStripeWebhook(env: WebhookEnv, rawBody: string, signature: string | undefined): Promise<{ duplicate: boolean }> {
  const verified = await verify(env, rawBody, signature);
  const db = coreDb(env.DB);
  try {
    const event = parseObject(stripeEventSchema, verified);
    if (await isEventProcessed(db, event.id)) return { duplicate: true };
    const atMs = event.created * 1000;
    await WEBHOOK_EVENTS[event.type]?.(env, event.data.object, atMs);
    await markEventProcessed(db, { id: event.id, type: event.type, createdMs: atMs });
    return { duplicate: false };
  } catch (err) {
    if (err instanceof WebhookPayloadError) throw errors.invalidRequest(`Unexpected webhook payload (check the endpoint's API version): ${err.message}`, null, "invalid_webhook_payload");
    throw err;
  }
}
