/**
 * The fake Stripe's webhook deliveries, signed as Stripe signs them
 * (docs.stripe.com/webhooks, "Verify signatures manually"): the header
 * `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where the HMAC
 * key is the endpoint's whole signing secret (`whsec_...`) and the signed
 * text is `<t>.<raw JSON payload>`.
 *
 * Each event is kept in an outbox (`GET /__stripe/deliveries`), so a test
 * whose router the fake cannot reach (workerd tests) replays it itself; when
 * a webhook URL is configured the fake also posts it there, as Stripe would.
 */
import { createHmac, randomBytes } from "node:crypto";

/** The API version the fake renders objects in: the one the router pins (src/billing/stripe.ts). */
export const FAKE_STRIPE_API_VERSION = "2026-10-28.endive";

export interface StripeEventRecord {
  id: string;
  type: string;
  /** The raw JSON body as delivered (a signature covers these exact bytes). */
  payload: string;
  signature: string;
  /** The webhook endpoint's HTTP status, or null when not posted (no URL, or it failed). */
  deliveredStatus: number | null;
}

export function stripeId(prefix: string): string {
  return `${prefix}_fake${randomBytes(12).toString("hex")}`;
}

/** `t=…,v1=…` for a payload: exactly Stripe's scheme. */
export function stripeSignature(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

export interface WebhookOptions {
  /** Where events are posted; null keeps them in the outbox only. */
  url: string | null;
  secret: string;
}

export function createWebhookSender(options: WebhookOptions) {
  const outbox: StripeEventRecord[] = [];
  return {
    outbox,
    /** Builds the event around `object`, signs it, keeps it and (when a URL is set) posts it, in order. */
    async send(type: string, object: Record<string, unknown>, previousAttributes?: Record<string, unknown>): Promise<StripeEventRecord> {
      const created = Math.floor(Date.now() / 1000);
      const event = {
        id: stripeId("evt"),
        object: "event",
        api_version: FAKE_STRIPE_API_VERSION,
        created,
        data: { object, ...(previousAttributes ? { previous_attributes: previousAttributes } : {}) },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      };
      const payload = JSON.stringify(event, null, 2);
      const record: StripeEventRecord = { id: event.id, type, payload, signature: stripeSignature(payload, options.secret, created), deliveredStatus: null };
      outbox.push(record);
      if (options.url) {
        try {
          const res = await fetch(options.url, { method: "POST", headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": record.signature }, body: payload });
          record.deliveredStatus = res.status;
          await res.arrayBuffer();
        } catch (err) {
          // As Stripe: a failed delivery is not the payer's problem; the outbox still has it.
          console.error(`fake stripe: webhook ${type} to ${options.url} failed: ${String(err)}`);
        }
      }
      return record;
    },
  };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
