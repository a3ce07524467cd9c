/** What the account used: /v1/generation and /v1/usage (OpenRouter's shapes). */
import { z } from "@hono/zod-openapi";
import { requestIdSchema } from "../../../shared/log-event";
import { usageQuery } from "../../routes/usage";
import { CUSTOMER_ERRORS, customerOk, customerSecurity, errorResponses, type Registry } from "../components";
import { generationSchema, usageSchema } from "../schemas";

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
}
