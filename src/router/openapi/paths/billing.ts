/**
 * Billing with Stripe (docs/billing.md): Checkout and the Customer Portal for
 * a `manage` key, and Stripe's webhook (authenticated by its signature).
 */
import { z } from "@hono/zod-openapi";
import { checkoutBody } from "../../routes/billing";
import { customerOk, customerSecurity, errorResponses, json, noSecurity, type Registry } from "../components";

const tags = ["Billing"];

const checkoutSessionSchema = z
  .object({
    id: z.string().meta({ description: "The Stripe Checkout Session id" }),
    url: z.string().meta({ description: "Stripe's hosted payment page: send the customer there" }),
  })
  .meta({ id: "CheckoutSession" });

const portalSessionSchema = z.object({ url: z.string().meta({ description: "Stripe's Customer Portal, valid for a few minutes" }) }).meta({ id: "PortalSession" });

export function registerBillingPaths(registry: Registry): void {
  registry.registerPath({
    method: "post",
    path: "/v1/billing/checkout",
    tags,
    summary: "Start a Stripe Checkout: a credit top-up or the pro subscription",
    description:
      "Scope `manage`. `{\"purpose\": \"credits\", \"amount_usd\": 20}` tops up prepaid credit (whole cents, within the operator's minimum and maximum); `{\"purpose\": \"subscription\", \"tier\": \"pro\"}` subscribes to `pro`. The credit or the tier arrives when Stripe reports the payment (the webhook), usually seconds after the customer pays. 409 `subscription_active` while a subscription is active or past due (manage it in the portal), `enterprise_account` for an enterprise account; 502 when Stripe cannot be reached.",
    security: customerSecurity,
    request: { body: { required: true, content: json(checkoutBody) } },
    responses: { 201: customerOk("The session: redirect the customer to `url`.", checkoutSessionSchema), ...errorResponses([400, 401, 403, 409, 429, 502, 503]) },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/billing/portal",
    tags,
    summary: "Open Stripe's Customer Portal",
    description: "Scope `manage`. Payment methods, invoices and receipts, cancelling the subscription. 404 `no_billing_customer` before the account's first checkout.",
    security: customerSecurity,
    responses: { 201: customerOk("The portal link.", portalSessionSchema), ...errorResponses([401, 403, 404, 429, 502]) },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/billing/webhook",
    tags,
    summary: "Stripe's webhook",
    description:
      "No key: Stripe signs each delivery (`Stripe-Signature`, HMAC-SHA256 with the endpoint's secret over the raw body); a missing or wrong signature, or a timestamp more than 300 s away, is a 400. Each event is applied once; a redelivery is acknowledged with `duplicate: true`.",
    security: noSecurity,
    request: { headers: z.object({ "stripe-signature": z.string().meta({ description: "`t=<unix seconds>,v1=<hex HMAC-SHA256>`" }) }) },
    responses: {
      200: { description: "Received.", content: json(z.object({ received: z.literal(true), duplicate: z.boolean() }).meta({ id: "WebhookReceipt" })) },
      ...errorResponses([400, 413]),
    },
  });
}
