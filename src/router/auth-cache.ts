/**
 * Per-isolate cache of validated keys, so the warm path makes no D1 query.
 *
 * Staleness bound: an entry is trusted for at most AUTH_CACHE_TTL_MS (30 s),
 * and only by routes whose every call visits the account's limiter, which
 * refuses or corrects a view older than an access change it was told of
 * (src/limits/access-state.ts); other routes take an entry for at most
 * FRESH_VIEW_MS (docs/enforcement.md). Changes made through this isolate evict
 * at once. Expiry itself is checked on every request against the cached expires_at.
 */
import type { KeyWithAccount } from "../db/keys";
import { AUTH_CACHE_TTL_MS } from "../shared/auth-view";

export { AUTH_CACHE_TTL_MS };
/** Longest a route that does not visit the limiter trusts a cached view. */
export const FRESH_VIEW_MS = 1_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  /** null: the hash is unknown (negative caching keeps forged keys off D1 too). */
  value: KeyWithAccount | null;
  fetchedAt: number;
}

const entries = new Map<string, Entry>();
/**
 * Unknown hashes, apart and with their own bound, so that a flood of forged
 * keys evicts only other forged keys, never a valid key's entry.
 */
const unknownEntries = new Map<string, Entry>();

function fresh(map: Map<string, Entry>, keyHash: string, now: number, maxAgeMs: number): Entry | undefined {
  const entry = map.get(keyHash);
  if (!entry) return undefined;
  const age = now - entry.fetchedAt;
  if (age > AUTH_CACHE_TTL_MS) map.delete(keyHash);
  return age > Math.min(maxAgeMs, AUTH_CACHE_TTL_MS) ? undefined : entry;
}

/**
 * The entry for a hash: a known key's if read at most `maxAgeMs` ago (never
 * beyond AUTH_CACHE_TTL_MS); an unknown hash's for AUTH_CACHE_TTL_MS (no
 * access change can make it stale).
 */
export function getCached(keyHash: string, now: number, maxAgeMs = AUTH_CACHE_TTL_MS): Entry | undefined {
  return fresh(entries, keyHash, now, maxAgeMs) ?? fresh(unknownEntries, keyHash, now, AUTH_CACHE_TTL_MS);
}

export function putCached(keyHash: string, value: KeyWithAccount | null, now: number): void {
  const map = value ? entries : unknownEntries;
  if (map.size >= MAX_ENTRIES) {
    // Maps iterate in insertion order: drop the oldest entry.
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(keyHash, { value, fetchedAt: now });
}

/** Evicts every cached key of an account (after a change made through this isolate). */
export function evictAccount(accountId: string): void {
  for (const [hash, entry] of entries) if (entry.value?.account.id === accountId) entries.delete(hash);
}

export function clearAuthCache(): void {
  entries.clear();
  unknownEntries.clear();
}

/** last_used_at is written at most once per interval per key and isolate. */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;
const lastUsedWrites = new Map<string, number>();

/** True when this request should persist last_used_at (and records that it will). */
export function shouldWriteLastUsed(keyId: string, now: number): boolean {
  const last = lastUsedWrites.get(keyId);
  if (last !== undefined && now - last < LAST_USED_WRITE_INTERVAL_MS) return false;
  if (lastUsedWrites.size >= MAX_ENTRIES) lastUsedWrites.clear();
  lastUsedWrites.set(keyId, now);
  return true;
}
