/**
 * The account's prepaid credits as the customer sees them: balance, what
 * requests in flight hold, what is available, the low-balance notice
 * threshold, and the transactions that made the balance, newest first.
 * Shared by `GET /v1/credits` and the console's billing page.
 *
 * The balance is the limiter object's (src/limits/limiter.ts creditState),
 * the one place it is exact. Transactions are the billing database's credit
 * ledger plus the entries the object made and its alarm has not copied yet,
 * so a transaction shows at once, not only after the next flush; an entry in
 * both (copied, not yet deleted from the object) shows once.
 *
 * Amounts are customer prices: the provider cost an entry records for the
 * operator never leaves this module.
 */
import type { LedgerKind } from "../db/billing-schema";
import { billingDb } from "../db/client";
import { ledgerCursorOf, ledgerEntriesBefore, type LedgerCursor } from "../db/credit-ledger";
import type { LedgerEntry } from "../billing/types";
import { nanoToUsd } from "../billing/money";
import { limiterFor, type LimiterEnv } from "../limits/client";
import { errors } from "../shared/errors";
import { iso } from "./views";

/** What the view reads: the account's limiter and the billing database. */
export type CreditsEnv = LimiterEnv & { BILLING_DB: D1Database; CREDITS_CURRENCY?: string };

export const DEFAULT_TRANSACTIONS = 20;
export const MAX_TRANSACTIONS = 100;

export interface CreditTransactionView {
  id: string;
  object: "credit_transaction";
  kind: LedgerKind;
  /** Signed change to the balance (customer price); 0 for a subscription payment. */
  amount_usd: number;
  /** Usage entries: how many requests they settle (usage is debited in aggregates). */
  requests: number;
  /** Money paid (or refunded) through Stripe, in the currency's minor unit; null for usage and adjustments. */
  paid: { amount_minor: number; currency: string } | null;
  /** The Stripe object (checkout session, invoice, refund) or the operator's reference; null for usage. */
  reference: string | null;
  created_at: string;
  /** Not in the billing database yet: the account's limiter object holds it until its next flush. */
  pending: boolean;
}

export interface CreditsView {
  object: "credits";
  currency: string;
  /** Sum of every transaction. */
  balance_usd: number;
  /** Held by requests in flight at their estimated maximum price; settled to the real price when each ends. */
  reserved_usd: number;
  /** balance - reserved: what new requests may spend. */
  available_usd: number;
  /** Below this the customer is emailed a notice; null: no notice. */
  low_balance_threshold_usd: number | null;
  /** Newest first. */
  transactions: CreditTransactionView[];
  has_more: boolean;
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: string | null;
}

/** One entry, from the ledger or the object, in the customer's view: never its provider cost or operator note. */
interface Entry {
  entryId: string;
  kind: LedgerKind;
  amountNano: number;
  requests: number;
  paidMinor: number | null;
  currency: string | null;
  reference: string | null;
  createdAt: number;
  pending: boolean;
}

const fromRow = (r: { entryId: string; kind: LedgerKind; amountNanoUsd: number; requests: number; paidMinor: number | null; currency: string | null; reference: string | null; createdAt: number }): Entry => ({
  entryId: r.entryId, kind: r.kind, amountNano: r.amountNanoUsd, requests: r.requests, paidMinor: r.paidMinor,
  currency: r.currency, reference: r.reference, createdAt: r.createdAt, pending: false,
});

const fromPending = (e: LedgerEntry): Entry => ({
  entryId: e.entryId, kind: e.kind, amountNano: e.amountNano, requests: e.requests, paidMinor: e.paidMinor,
  currency: e.currency, reference: e.reference, createdAt: e.createdAt, pending: true,
});

function transactionView(e: Entry): CreditTransactionView {
  return {
    id: e.entryId,
    object: "credit_transaction",
    kind: e.kind,
    amount_usd: nanoToUsd(e.amountNano),
    requests: e.requests,
    paid: e.paidMinor !== null && e.currency !== null ? { amount_minor: e.paidMinor, currency: e.currency } : null,
    // A usage entry's reference is the object's own flush bookkeeping, nothing the customer can look up.
    reference: e.kind === "usage" ? null : e.reference,
    created_at: iso(e.createdAt)!,
    pending: e.pending,
  };
}

/** Newest first; the entry id breaks ties the same way the ledger query does. */
const newestFirst = (a: LedgerCursor, b: LedgerCursor) => b.createdAt - a.createdAt || (a.entryId < b.entryId ? 1 : a.entryId > b.entryId ? -1 : 0);
/** e comes after c in that order. */
const olderThan = (e: LedgerCursor, c: LedgerCursor) => newestFirst(c, e) < 0;

/**
 * The account's credits and one page of its transactions, older than the
 * transaction `before` when given (an id from a previous page; one that is
 * not the account's is a 404, the same whether it exists elsewhere or not,
 * as the audit log's cursor).
 */
export async function creditsView(env: CreditsEnv, accountId: string, page: { limit: number; before?: string }): Promise<CreditsView> {
  const db = billingDb(env.BILLING_DB);
  const state = await limiterFor(env, accountId).creditState();
  const pending = state.pending.map(fromPending);
  let cursor: LedgerCursor | null = null;
  if (page.before !== undefined) {
    cursor = pending.find((e) => e.entryId === page.before) ?? (await ledgerCursorOf(db, accountId, page.before));
    if (!cursor) throw errors.notFound("No credit transaction with this id for this account.", "credit_transaction_not_found", "before");
  }
  // One row more than the page tells whether another page follows.
  const rows = (await ledgerEntriesBefore(db, accountId, cursor, page.limit + 1)).map(fromRow);
  const written = new Set(rows.map((r) => r.entryId));
  const merged = [...rows, ...pending.filter((e) => !written.has(e.entryId) && (!cursor || olderThan(e, cursor)))].sort(newestFirst);
  const shown = merged.slice(0, page.limit);
  const hasMore = merged.length > page.limit;
  return {
    object: "credits",
    currency: env.CREDITS_CURRENCY || "usd",
    balance_usd: nanoToUsd(state.balanceNano),
    reserved_usd: nanoToUsd(state.reservedNano),
    available_usd: nanoToUsd(state.availableNano),
    low_balance_threshold_usd: state.lowBalanceThresholdNano === null ? null : nanoToUsd(state.lowBalanceThresholdNano),
    transactions: shown.map(transactionView),
    has_more: hasMore,
    next_before: hasMore ? shown[shown.length - 1]!.entryId : null,
  };
}
