/**
 * Key budget changes the account's limiter was told (AccessChange.keyBudgets),
 * so that admission enforces a new budget at once rather than when each
 * router isolate's auth cache (AUTH_CACHE_TTL_MS) reads it from D1. As with
 * the other access records (access-state.ts), D1 stays the truth and a
 * record is kept only while a view read before it may still be in use.
 */
import type { KeyBudget } from "../billing/types";
import { BUDGET_PERIODS, type BudgetPeriod } from "../db/schema";
import { ACCESS_RECORD_TTL_MS, VIEW_MARGIN_MS, type AccessView } from "./access-state";

/** The object's table, by column: the privacy data map lists it. */
export const BUDGET_OVERRIDE_COLUMNS = ["key_id", "limit_nano", "period", "recorded_at"] as const;

interface Row extends Record<string, SqlStorageValue> {
  key_id: string;
  limit_nano: number | null;
  period: string | null;
  recorded_at: number;
}

const isPeriod = (p: string | null): p is BudgetPeriod => (BUDGET_PERIODS as readonly (string | null)[]).includes(p);

export class BudgetOverrides {
  private readonly budgets = new Map<string, { budget: KeyBudget | null; recordedAt: number }>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec("create table if not exists access_budgets (key_id text primary key, limit_nano integer, period text, recorded_at integer not null)");
    for (const r of sql.exec<Row>("select * from access_budgets")) {
      this.budgets.set(r.key_id, { budget: r.limit_nano !== null && isPeriod(r.period) ? { limitNano: r.limit_nano, period: r.period } : null, recordedAt: r.recorded_at });
    }
  }

  record(changes: readonly { keyId: string; budget: KeyBudget | null }[], now: number): void {
    for (const { keyId, budget } of changes) {
      this.budgets.set(keyId, { budget, recordedAt: now });
      this.sql.exec("insert or replace into access_budgets (key_id, limit_nano, period, recorded_at) values (?, ?, ?, ?)", keyId, budget?.limitNano ?? null, budget?.period ?? null, now);
    }
  }

  /** The key's budget as last told, when that may be newer than the caller's view; undefined: the view's holds. */
  newerThan(keyId: string, view: AccessView): KeyBudget | null | undefined {
    const known = this.budgets.get(keyId);
    return known && known.recordedAt + VIEW_MARGIN_MS > view.asOf ? known.budget : undefined;
  }

  prune(now: number): void {
    for (const [keyId, r] of this.budgets) {
      if (r.recordedAt + ACCESS_RECORD_TTL_MS > now) continue;
      this.budgets.delete(keyId);
      this.sql.exec("delete from access_budgets where key_id = ?", keyId);
    }
  }

  nextExpiry(): number | null {
    let oldest: number | null = null;
    for (const r of this.budgets.values()) if (oldest === null || r.recordedAt < oldest) oldest = r.recordedAt;
    return oldest === null ? null : oldest + ACCESS_RECORD_TTL_MS;
  }

  clear(): void {
    this.budgets.clear();
    this.sql.exec("delete from access_budgets");
  }
}
