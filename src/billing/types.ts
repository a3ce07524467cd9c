/**
 * What the account's limiter object (src/limits/limiter.ts) knows of money,
 * and the calls that reach it. The object holds the prepaid balance, the
 * money reserved by requests in flight and each key's spend in its budget
 * period, so that admission checks them in the one call it already makes,
 * atomically with every other request of the account.
 */
import type { BudgetPeriod } from "../db/schema";
import type { LedgerKind } from "../db/billing-schema";

/** A key's spend limit, from the caller's view of the key (api_keys.budget_*). */
export interface KeyBudget {
  limitNano: number;
  period: BudgetPeriod;
}

/** What an admission reserves: the request's estimated maximum price, and the key's budget if it has one. */
export interface SpendReservation {
  /** Most the request can cost the customer (nano-USD): its token reservation at the dearest eligible route's price. */
  maxPriceNano: number;
  keyBudget: KeyBudget | null;
}

/** What a finished request is charged; the object settles its reservation to this. */
export interface Charge {
  /** Customer price, nano-USD (what the balance and budget are debited). */
  priceNano: number;
  /** Provider cost of the same usage (operator margin, ledger only). */
  providerCostNano: number;
}

/** A balance change from outside a request: a top-up, refund, subscription payment or operator adjustment. */
export interface LedgerEntryInput {
  /** Idempotency: an entry id already applied is acknowledged and not applied again (e.g. `stripe:topup:<checkout session id>`, `admin:<uuid>`). */
  entryId: string;
  /** The account (its limiter object writes ledger rows under it). */
  accountId: string;
  kind: Exclude<LedgerKind, "usage">;
  /** Signed change to the balance (0 for a subscription payment). */
  amountNano: number;
  paidMinor?: number | null;
  currency?: string | null;
  reference?: string | null;
  note?: string | null;
  /** When it happened (ms); defaults to the object's clock. */
  at?: number;
}

/** One ledger entry as the object holds it until the billing database has it. */
export interface LedgerEntry {
  entryId: string;
  kind: LedgerKind;
  amountNano: number;
  providerCostNano: number;
  requests: number;
  paidMinor: number | null;
  currency: string | null;
  reference: string | null;
  note: string | null;
  createdAt: number;
}

export interface KeySpend {
  period: BudgetPeriod;
  /** Start of the current period (ms, UTC). */
  periodStart: number;
  /** Start of the next period: when the budget resets. */
  resetsAt: number;
  /** Settled spend in the current period (nano-USD). */
  spentNano: number;
  /** Held by requests of the key still in flight. */
  reservedNano: number;
}

/** The account's money as its limiter object holds it. */
export interface CreditState {
  /** Sum of every ledger entry the object made: what the billing ledger sums to once synced. */
  balanceNano: number;
  /** Held by requests in flight (their estimated maximum price). */
  reservedNano: number;
  /** balance - reserved: what a new request may reserve. */
  availableNano: number;
  /** Entries not yet in the billing database. */
  pending: LedgerEntry[];
  /** Spend in the current period, by key id, for keys that spent or hold money in it. */
  keySpend: Record<string, KeySpend>;
  lowBalanceThresholdNano: number | null;
}

/** The 402 refusals admission can answer with. */
export type SpendRefusal = "insufficient_credits" | "budget_exceeded";
