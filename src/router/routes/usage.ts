import { nanoToUsd } from "../../billing/money";
import { Hono } from "hono";
import { z } from "zod";
import { billingDb } from "../../db/client";
import { utcDay } from "../../shared/retention";
import { usageRange, usageReport, type UsageTotals } from "../../self-service/usage";
import { validationError } from "../body";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
  .refine((d) => utcDay(Date.parse(`${d}T00:00:00Z`) || 0) === d, "must be a real calendar date");

export const usageQuery = z
  .object({ start_date: day.optional(), end_date: day.optional(), model: z.string().max(200).optional() })
  .strict();

const totalView = (t: UsageTotals) => ({
  requests: t.requests,
  prompt_tokens: t.promptTokens,
  completion_tokens: t.completionTokens,
  cached_tokens: t.cachedTokens,
  reasoning_tokens: t.reasoningTokens,
  cost_usd: nanoToUsd(t.costNanoUsd),
});

/**
 * `GET /v1/usage?start_date=&end_date=&model=`: the account's usage by UTC
 * day and model, from the billing ledger (only requests sent to a provider
 * count). Dates are inclusive; both default to the last 30 days.
 */
export const usageRoutes = new Hono<AppEnv>().use(apiKeyAuth("inference")).get("/", async (c) => {
  const parsed = usageQuery.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error);
  const range = usageRange({ startDate: parsed.data.start_date, endDate: parsed.data.end_date }, Date.now());
  const report = await usageReport(billingDb(c.env.BILLING_DB), c.get("auth").accountId, range, parsed.data.model);
  return c.json({
    object: "list",
    start_date: report.startDate,
    end_date: report.endDate,
    data: report.rows.map((r) => ({
      date: r.day,
      model: r.model,
      requests: r.requests,
      prompt_tokens: r.promptTokens,
      completion_tokens: r.completionTokens,
      cached_tokens: r.cachedTokens,
      reasoning_tokens: r.reasoningTokens,
      cost_usd: nanoToUsd(r.costNanoUsd),
    })),
    total: totalView(report.total),
  });
});
