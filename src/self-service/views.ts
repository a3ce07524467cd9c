import type { KeySpend } from "../billing/types";
import type { Account, ApiKey, auditLog } from "../db/schema";
import { budgetView } from "./budget";
import { isRotationDue } from "../shared/key-rotation";

/** Milliseconds to ISO 8601, keeping nulls. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** An account as the API shows it. */
export function accountView(a: Account) {
  return {
    id: a.id,
    object: "account",
    email: a.email,
    name: a.name,
    company: a.company,
    billing_address: a.billingAddress,
    tier: a.tier,
    status: a.status,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
    closed_at: iso(a.closedAt),
  };
}

/**
 * A key as the API shows it: never the key itself, nor its hash. `now`
 * decides `rotation_due` and the budget's period; `keySpend` is the limiter
 * object's spend by key (CreditState.keySpend; a key absent spent nothing).
 */
export function keyView(k: ApiKey, now = Date.now(), keySpend: Readonly<Record<string, KeySpend>> = {}) {
  return {
    id: k.id,
    object: "api_key",
    account_id: k.accountId,
    name: k.name,
    prefix: k.prefix,
    status: k.status,
    scopes: k.scopes,
    limits: { rpm: k.rpmLimit, tpm: k.tpmLimit, concurrency: k.concurrencyLimit },
    models: k.allowedModels,
    data_region: k.dataRegion,
    created_at: iso(k.createdAt),
    last_used_at: iso(k.lastUsedAt),
    expires_at: iso(k.expiresAt),
    revoked_at: iso(k.revokedAt),
    revoked_reason: k.revokedReason,
    /** Set on a key rotated out: its replacement; this key stops at expires_at. */
    replaced_by: k.replacedBy,
    rotation_due: isRotationDue(k, now),
    budget: budgetView(k, keySpend[k.id], now),
    /** Default response-cache TTL (seconds) for requests without x-emby-cache-ttl; null: none. */
    cache_ttl: k.cacheTtl,
  };
}

/**
 * An audit entry as the account sees it (`GET /v1/audit-log`, the export):
 * who (actor), what (action), on which object (target) and which fields
 * (details), never the values changed.
 */
export function auditEntryView(e: typeof auditLog.$inferSelect) {
  return { id: e.id, object: "audit_log_entry", actor: e.actor, action: e.action, target: e.target, details: e.details, created_at: iso(e.createdAt) };
}
