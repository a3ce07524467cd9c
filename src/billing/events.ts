/**
 * The parts of Stripe's webhook objects the router reads, in the pinned API
 * version (src/billing/stripe.ts): a subscription's period end and price are
 * on its items, an invoice names its subscription under `parent.subscription_details`.
 * Validated after the signature is checked; unknown fields are ignored.
 */
import { z } from "zod";

const metadata = z.record(z.string(), z.string()).nullable().transform((m) => m ?? {});
const id = z.string().min(1).max(255);

export const stripeEventSchema = z.object({
  id,
  type: z.string().max(100),
  /** Unix seconds. */
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.unknown() }),
});

export const checkoutSessionSchema = z.object({
  id,
  mode: z.enum(["payment", "subscription", "setup"]),
  payment_status: z.enum(["paid", "unpaid", "no_payment_required"]),
  amount_total: z.number().int().nonnegative().nullable(),
  currency: z.string().nullable(),
  customer: id.nullable(),
  subscription: id.nullable(),
  payment_intent: id.nullable(),
  metadata,
});

export const subscriptionSchema = z.object({
  id,
  customer: id,
  status: z.enum(["incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"]),
  cancel_at_period_end: z.boolean(),
  items: z.object({ data: z.array(z.object({ current_period_end: z.number().int(), price: z.object({ id }) })) }),
  metadata,
});

export const invoiceSchema = z.object({
  id,
  customer: id.nullable(),
  amount_paid: z.number().int().nonnegative(),
  currency: z.string(),
  parent: z.object({ subscription_details: z.object({ subscription: id }).nullable() }).nullable(),
});

export const chargeSchema = z.object({
  id,
  customer: id.nullable(),
  payment_intent: id.nullable(),
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string(),
});

export type CheckoutSessionObject = z.infer<typeof checkoutSessionSchema>;
export type SubscriptionObject = z.infer<typeof subscriptionSchema>;
export type InvoiceObject = z.infer<typeof invoiceSchema>;
export type ChargeObject = z.infer<typeof chargeSchema>;
