/** The low-balance notice: PUT /v1/credits/notice (scope `manage`). */
import { z } from "@hono/zod-openapi";
import { lowBalanceNoticeBody } from "../../routes/credits-notice";
import { CUSTOMER_ERRORS, customerOk, customerSecurity, errorResponses, json, type Registry } from "../components";

const lowBalanceNoticeSchema = z
  .object({
    object: z.literal("low_balance_notice"),
    threshold_usd: z.number().nullable().meta({ description: "Mail a notice when the balance falls below this; null: never" }),
  })
  .meta({ id: "LowBalanceNotice" });

export function registerCreditsNoticePaths(registry: Registry): void {
  registry.registerPath({
    method: "put",
    path: "/v1/credits/notice",
    tags: ["Credits"],
    summary: "Set the low-balance notice",
    description:
      "Scope `manage`. `threshold_usd` (above 0, at most 9 decimals) or null to turn it off. When a request's settlement takes the balance from at or above the threshold to below it, one email goes to the account's address; it is sent again only after the balance has been back at or above the threshold (e.g. after a top-up).",
    security: customerSecurity,
    request: { body: { required: true, content: json(lowBalanceNoticeBody) } },
    responses: { 200: customerOk("The notice as set.", lowBalanceNoticeSchema), ...errorResponses(CUSTOMER_ERRORS) },
  });
}
