/**
 * An account's usage from the billing ledger, by UTC day and model: what
 * `GET /v1/usage` answers and what the console's overview draws. Only
 * requests sent to a provider count (src/db/usage-ledger.ts, isBillable).
 */
import type { UsageRow } from "../db/billing-schema";
import type { BillingDb } from "../db/client";
import { usageBetween } from "../db/usage-ledger";
import { errors } from "../shared/errors";
import { utcDay } from "../shared/retention";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Default range: the last 30 days, today included. */
export const DEFAULT_USAGE_DAYS = 30;
/** Longest range one read may ask for; older usage is read year by year. */
export const MAX_USAGE_RANGE_DAYS = 366;

export interface UsageRange {
  /** First UTC day, YYYY-MM-DD, inclusive. */
  startDate: string;
  /** Last UTC day, YYYY-MM-DD, inclusive. */
  endDate: string;
}

/** Sums over ledger rows; cost stays in nano-USD so it adds up exactly. */
export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costNanoUsd: number;
}

export interface UsageReport extends UsageRange {
  /** Ledger rows, by day then model. */
  rows: UsageRow[];
  total: UsageTotals;
}

const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);

/**
 * The days a read covers: `endDate` defaults to today (UTC) and `startDate`
 * to DEFAULT_USAGE_DAYS ending on `endDate`. Throws a 400 for a reversed or
 * too long range. Dates are already validated as calendar days.
 */
export function usageRange(input: { startDate?: string; endDate?: string }, now: number): UsageRange {
  const endDate = input.endDate ?? utcDay(now);
  const startDate = input.startDate ?? lastDays(endDate, DEFAULT_USAGE_DAYS).startDate;
  const spanDays = (dayStart(endDate) - dayStart(startDate)) / DAY_MS + 1;
  if (spanDays < 1) throw errors.invalidRequest("'start_date' must not be after 'end_date'.", "start_date", "invalid_value");
  if (spanDays > MAX_USAGE_RANGE_DAYS) {
    throw errors.invalidRequest(`A range may span at most ${MAX_USAGE_RANGE_DAYS} days.`, "start_date", "invalid_value");
  }
  return { startDate, endDate };
}

/** The `days` days ending on `endDate`, both included. */
export function lastDays(endDate: string, days: number): UsageRange {
  return { startDate: utcDay(dayStart(endDate) - (days - 1) * DAY_MS), endDate };
}

/** Every day of a range, in order (the x axis of a chart, days without usage included). */
export function daysOf(range: UsageRange): string[] {
  const out: string[] = [];
  for (let t = dayStart(range.startDate); t <= dayStart(range.endDate); t += DAY_MS) out.push(utcDay(t));
  return out;
}

export function totalsOf(rows: readonly UsageRow[]): UsageTotals {
  const total: UsageTotals = { requests: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, costNanoUsd: 0 };
  for (const r of rows) {
    total.requests += r.requests;
    total.promptTokens += r.promptTokens;
    total.completionTokens += r.completionTokens;
    total.cachedTokens += r.cachedTokens;
    total.reasoningTokens += r.reasoningTokens;
    total.costNanoUsd += r.costNanoUsd;
  }
  return total;
}

/** The account's ledger rows in the range (optionally of one model) and their total. */
export async function usageReport(db: BillingDb, accountId: string, range: UsageRange, model?: string): Promise<UsageReport> {
  const rows = await usageBetween(db, accountId, range.startDate, range.endDate, model);
  return { ...range, rows, total: totalsOf(rows) };
}
