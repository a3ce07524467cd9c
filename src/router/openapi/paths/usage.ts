/** What the account used and has left: /v1/generation and /v1/usage (OpenRouter's shapes), /v1/credits. */
import { z } from "@hono/zod-openapi";
import { requestIdSchema } from "../../../shared/log-event";
import { creditsQuery } from "../../routes/credits";
import { usageQuery } from "../../routes/usage";
import { CUSTOMER_ERRORS, customerOk, customerSecurity, errorResponses, type Registry } from "../components";
import { creditsSchema, generationSchema, usageSchema } from "../schemas";

/** The route reads `id` by hand (a missing id is its own 400); this is the value it accepts. */
const generationQuery = z.object({ id: requestIdSchema.meta({ description: "A response's x-request-id" }) });

export function registerUsagePaths(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: "/v1/generation",
    tags: ["Usage"],
    summary: "One request's metadata",
    description:
      "Scope `inference`. Model, route, data region, every attempt, status, timings, tokens, cost, IP and user agent of one request of this account. Another account's id is a 404 like an unknown one; records appear once the logger has consumed the event (seconds) and are gone after 30 days.",
    security: customerSecurity,
    request: { query: generationQuery },
    responses: { 200: customerOk("The request's metadata.", generationSchema), ...errorResponses(CUSTOMER_ERRORS) },
  });

  registry.registerPath({
    method: "get",
    path: "/v1/usage",
    tags: ["Usage"],
    summary: "Usage by day and model",
    description: "Scope `inference`. From the billing ledger; dates `YYYY-MM-DD`, inclusive, default the last 30 days, at most 366 days.",
    security: customerSecurity,
    request: { query: usageQuery },
    responses: { 200: customerOk("Usage rows and their total.", usageSchema), ...errorResponses([400, 401, 403, 429]) },
  });

  registry.registerPath({
    method: "get",
    path: "/v1/credits",
    tags: ["Usage"],
    summary: "Prepaid balance and its transactions",
    description:
      "Scope `inference` or `manage`. The balance, what requests in flight hold and what is available, and the transactions (top-ups, usage debits, subscription payments, refunds, adjustments) newest first, `limit` (1-100, default 20) at a time; pass `next_before` as `before` for older ones. Amounts are customer prices (the service fee included). See docs/billing.md.",
    security: customerSecurity,
    request: { query: creditsQuery },
    responses: { 200: customerOk("The account's credits.", creditsSchema), ...errorResponses([400, 401, 403, 404, 429]) },
  });
}
