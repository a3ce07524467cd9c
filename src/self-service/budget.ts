/**
 * A key's spend budget as the API takes and shows it: `{limit_usd, period}`
 * in requests, `{limit_usd, period, spent_usd, remaining_usd, resets_at}` in
 * answers. D1 holds the limit (api_keys.budget_nano_usd, budget_period); the
 * spend lives in the account's limiter object, which enforces it at
 * admission (CreditState.keySpend), so a listing asks the object once for
 * every key's spend.
 */
import { z } from "zod";
import { nanoToUsd, usdToNano } from "../billing/money";
import type { KeyBudget, KeySpend } from "../billing/types";
import { periodBounds } from "../billing/budget-period";
import { BUDGET_PERIODS, type ApiKey, type BudgetPeriod } from "../db/schema";
import { limiterFor, type LimiterEnv } from "../limits/client";

/** Largest budget a key may have: far above any real spend, and exact as nano-USD in a double. */
export const MAX_BUDGET_USD = 1_000_000;

/** An amount of USD in a request: above 0, at most `max`, at most 9 decimals (nano-USD is the unit). */
export const positiveUsd = (max: number) =>
  z
    .number()
    .positive()
    .max(max)
    .refine((usd) => Number(usd.toFixed(9)) === usd, { message: "at most 9 decimals" });

/** A budget in a key request; null removes it. */
export const budgetBody = z
  .object({ limit_usd: positiveUsd(MAX_BUDGET_USD), period: z.enum(BUDGET_PERIODS) })
  .strict()
  .nullable()
  .transform((b): KeyBudget | null => (b === null ? null : { limitNano: usdToNano(b.limit_usd), period: b.period }));

/** The key's budget from its row; null when it has none. */
export function budgetOf(k: Pick<ApiKey, "budgetNanoUsd" | "budgetPeriod">): KeyBudget | null {
  return k.budgetNanoUsd === null || k.budgetPeriod === null ? null : { limitNano: k.budgetNanoUsd, period: k.budgetPeriod };
}

/**
 * What the key spent in its current period and has left. The object's
 * figures count only when they are for this period and period kind (a key
 * whose budget just changed from monthly to daily starts its day at zero,
 * as admission will). Remaining subtracts what requests in flight hold.
 */
export function budgetView(k: ApiKey, spend: KeySpend | undefined, now: number) {
  const budget = budgetOf(k);
  if (!budget) return null;
  const { end: resetsAt } = periodBounds(budget.period, now);
  const current = spend && spend.period === budget.period && spend.resetsAt > now ? spend : undefined;
  const spent = current?.spentNano ?? 0;
  const remaining = Math.max(0, budget.limitNano - spent - (current?.reservedNano ?? 0));
  return {
    limit_usd: nanoToUsd(budget.limitNano),
    period: budget.period,
    spent_usd: nanoToUsd(spent),
    remaining_usd: nanoToUsd(remaining),
    resets_at: new Date(current?.resetsAt ?? resetsAt).toISOString(),
  };
}

/** Each budgeted key's spend in its current budget period, in one call to the account's limiter object. */
export async function accountKeySpend(limiter: LimiterEnv, accountId: string, keys: readonly ApiKey[]): Promise<Record<string, KeySpend>> {
  const periods: Record<string, BudgetPeriod> = {};
  for (const k of keys) if (k.budgetPeriod !== null) periods[k.id] = k.budgetPeriod;
  if (Object.keys(periods).length === 0) return {};
  return (await limiterFor(limiter, accountId).creditState(periods)).keySpend;
}
