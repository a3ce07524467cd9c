/**
 * Billing with Stripe (docs/billing.md): `POST /v1/billing/checkout` and
 * `POST /v1/billing/portal` for a key with the `manage` scope, and Stripe's
 * webhook, `POST /v1/billing/webhook`, which has no key: its signature is
 * the authentication, checked over the raw body before anything is parsed.
 */
import { Hono } from "hono";
import { z } from "zod";
import { portalSession, startCheckout } from "../../billing/checkout";
import { handleStripeWebhook } from "../../billing/webhook";
import { errors } from "../../shared/errors";
import { readJson, readLimited } from "../body";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

/** Stripe's events are a few KB; a megabyte is far above any, and bounds what an unsigned request can make us read. */
const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** Whole cents: the amount Stripe is asked for must be exactly what the customer chose. */
const amountUsd = z
  .number()
  .positive()
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, { message: "must have at most two decimals" });

export const checkoutBody = z.discriminatedUnion("purpose", [
  z.object({ purpose: z.literal("credits"), amount_usd: amountUsd }).strict(),
  z.object({ purpose: z.literal("subscription"), tier: z.literal("pro") }).strict(),
]);

export const billingRoutes = new Hono<AppEnv>()
  .post("/checkout", apiKeyAuth("manage"), async (c) => {
    const body = await readJson(c.req.raw, checkoutBody);
    const input = body.purpose === "credits" ? { purpose: body.purpose, amountMinor: Math.round(body.amount_usd * 100) } : body;
    const session = await startCheckout(c.env, c.get("auth").accountId, input);
    return c.json(session, 201, { "cache-control": "no-store" });
  })
  .post("/portal", apiKeyAuth("manage"), async (c) => {
    return c.json(await portalSession(c.env, c.get("auth").accountId), 201, { "cache-control": "no-store" });
  })
  .post("/webhook", async (c) => {
    const bytes = await readLimited(c.req.raw, MAX_WEBHOOK_BYTES);
    let raw: string;
    try {
      raw = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw errors.invalidRequest("The webhook body is not UTF-8.", null, "invalid_webhook_payload");
    }
    const { duplicate } = await handleStripeWebhook(c.env, raw, c.req.header("stripe-signature"));
    return c.json({ received: true, duplicate });
  });
