/**
 * The overview's numbers, from one usage report: totals per model and per
 * day (the tables) and the chart series (the JSON charts.js reads).
 */
import { nanoToUsd } from "../../billing/money";
import type { UsageRow } from "../../db/billing-schema";
import { daysOf, totalsOf, type UsageReport, type UsageTotals } from "../../self-service/usage";

export interface Group {
  key: string;
  total: UsageTotals;
}

/** Rows summed by `keyOf`, in key order. */
function groupBy(rows: readonly UsageRow[], keyOf: (r: UsageRow) => string): Group[] {
  const groups = new Map<string, UsageRow[]>();
  for (const r of rows) {
    const group = groups.get(keyOf(r));
    if (group) group.push(r);
    else groups.set(keyOf(r), [r]);
  }
  return [...groups.keys()].sort().map((key) => ({ key, total: totalsOf(groups.get(key)!) }));
}

export const byModel = (report: UsageReport): Group[] => groupBy(report.rows, (r) => r.model);
export const byDay = (report: UsageReport): Group[] => groupBy(report.rows, (r) => r.day);

/**
 * What the charts draw: every day of the range (days without usage are 0)
 * and, per model, one value a day of requests, tokens (input + output) and
 * cost in USD; series are in `models` order.
 */
export interface UsageSeries {
  start_date: string;
  end_date: string;
  days: string[];
  models: string[];
  requests: number[][];
  tokens: number[][];
  cost_usd: number[][];
}

export function usageSeries(report: UsageReport): UsageSeries {
  const days = daysOf(report);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const models = byModel(report).map((g) => g.key);
  const zeros = () => models.map(() => days.map(() => 0));
  const series = { requests: zeros(), tokens: zeros(), cost_usd: zeros() };
  for (const r of report.rows) {
    const m = models.indexOf(r.model);
    const d = dayIndex.get(r.day)!;
    series.requests[m]![d] = r.requests;
    series.tokens[m]![d] = r.promptTokens + r.completionTokens;
    series.cost_usd[m]![d] = nanoToUsd(r.costNanoUsd);
  }
  return { start_date: report.startDate, end_date: report.endDate, days, models, ...series };
}

/** JSON safe inside a <script> element: `<` escaped, so no `</script>` can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}
