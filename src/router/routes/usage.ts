import { Hono } from "hono";
import { z } from "zod";
import type { UsageRow } from "../../db/billing-schema";
import { billingDb } from "../../db/client";
import { usageBetween } from "../../db/usage-ledger";
import { errors } from "../../shared/errors";
import { utcDay } from "../../shared/retention";
import { validationError } from "../body";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Default range: the last 30 days, today included. */
const DEFAULT_DAYS = 30;
/** Longest range one call may ask for; older usage is read year by year. */
export const MAX_USAGE_RANGE_DAYS = 366;
const NANO_USD_PER_USD = 1e9;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
  .refine((d) => utcDay(Date.parse(`${d}T00:00:00Z`) || 0) === d, "must be a real calendar date");

export const usageQuery = z
  .object({ start_date: day.optional(), end_date: day.optional(), model: z.string().max(200).optional() })
  .strict();

const totalsOf = (rows: UsageRow[]) => ({
  requests: rows.reduce((n, r) => n + r.requests, 0),
  prompt_tokens: rows.reduce((n, r) => n + r.promptTokens, 0),
  completion_tokens: rows.reduce((n, r) => n + r.completionTokens, 0),
  cached_tokens: rows.reduce((n, r) => n + r.cachedTokens, 0),
  reasoning_tokens: rows.reduce((n, r) => n + r.reasoningTokens, 0),
  cost_usd: rows.reduce((n, r) => n + r.costNanoUsd, 0) / NANO_USD_PER_USD,
});

/**
 * `GET /v1/usage?start_date=&end_date=&model=`: the account's usage by UTC
 * day and model, from the billing ledger (only requests sent to a provider
 * count). Dates are inclusive; both default to the last 30 days.
 */
export const usageRoutes = new Hono<AppEnv>().use(apiKeyAuth("inference")).get("/", async (c) => {
  const parsed = usageQuery.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error);
  const endDate = parsed.data.end_date ?? utcDay(Date.now());
  const startDate = parsed.data.start_date ?? utcDay(Date.parse(`${endDate}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS);
  const spanDays = (Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`)) / DAY_MS + 1;
  if (spanDays < 1) throw errors.invalidRequest("'start_date' must not be after 'end_date'.", "start_date", "invalid_value");
  if (spanDays > MAX_USAGE_RANGE_DAYS) {
    throw errors.invalidRequest(`A range may span at most ${MAX_USAGE_RANGE_DAYS} days.`, "start_date", "invalid_value");
  }
  const rows = await usageBetween(billingDb(c.env.BILLING_DB), c.get("auth").accountId, startDate, endDate, parsed.data.model);
  return c.json({
    object: "list",
    start_date: startDate,
    end_date: endDate,
    data: rows.map((r) => ({
      date: r.day,
      model: r.model,
      requests: r.requests,
      prompt_tokens: r.promptTokens,
      completion_tokens: r.completionTokens,
      cached_tokens: r.cachedTokens,
      reasoning_tokens: r.reasoningTokens,
      cost_usd: r.costNanoUsd / NANO_USD_PER_USD,
    })),
    total: totalsOf(rows),
  });
});
