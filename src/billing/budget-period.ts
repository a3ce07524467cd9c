/**
 * A key's budget period in UTC: a day, an ISO week (from Monday 00:00) or a
 * calendar month. Spend settled in a period counts against it; the budget
 * resets at the next period's start.
 */
import type { BudgetPeriod } from "../db/schema";

const DAY_MS = 86_400_000;

/** The period containing `now` (ms): its start and the next period's start. */
export function periodBounds(period: BudgetPeriod, now: number): { start: number; end: number } {
  const d = new Date(now);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (period) {
    case "daily":
      return { start: day, end: day + DAY_MS };
    case "weekly": {
      const sinceMonday = (d.getUTCDay() + 6) % 7;
      const start = day - sinceMonday * DAY_MS;
      return { start, end: start + 7 * DAY_MS };
    }
    case "monthly":
      return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
  }
}
