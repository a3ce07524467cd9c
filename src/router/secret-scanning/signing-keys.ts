/**
 * GitHub's secret scanning public keys (SECRET_SCANNING_KEYS_URL, in
 * production https://api.github.com/meta/public_keys/secret_scanning), kept
 * per isolate so that a report costs no fetch on the warm path.
 *
 * GitHub answers `{"public_keys": [{"key_identifier", "key" (PEM), "is_current"}]}`
 * and signs with any key it lists: a key that is no longer current still
 * verifies while GitHub lists it (rotation). The set is refetched when it is
 * KEYS_TTL_MS old, and early when a report names a key identifier the set
 * lacks (a new key), but at most once per REFETCH_MIN_INTERVAL_MS: forged
 * identifiers cannot make the router hammer GitHub (whose unauthenticated
 * API allows 60 requests an hour per address).
 */
import { z } from "zod";
import { ApiError } from "../../shared/errors";
import { importP256PublicKey } from "./signature";

export const KEYS_TTL_MS = 60 * 60_000;
export const REFETCH_MIN_INTERVAL_MS = 60_000;
const FETCH_TIMEOUT_MS = 5_000;
/** GitHub lists a handful of keys; anything bigger is not its answer. */
const MAX_KEYS = 20;
const MAX_RESPONSE_BYTES = 64 * 1024;

/** GitHub's document. Not strict: a field GitHub adds must not stop revocations. */
const publicKeysSchema = z.object({
  public_keys: z
    .array(z.object({ key_identifier: z.string().min(1).max(256), key: z.string().min(1).max(4096), is_current: z.boolean().optional() }))
    .max(MAX_KEYS),
});

export const signingKeysUnavailable = () =>
  new ApiError(503, "api_error", "signing_keys_unavailable", "The secret scanning signing keys could not be fetched; retry later.", null, { "retry-after": "60" });

interface KeySet {
  keys: ReadonlyMap<string, CryptoKey>;
  fetchedAt: number;
}

export interface SigningKeyStoreOptions {
  url: string;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  now: () => number;
}

async function fetchKeySet(options: SigningKeyStoreOptions): Promise<KeySet> {
  const res = await options.fetch(options.url, {
    headers: { accept: "application/json", "user-agent": "emby-router-secret-scanning" },
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`keys endpoint answered ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new Error("keys document too large");
  const parsed = publicKeysSchema.parse(JSON.parse(text));
  const keys = new Map<string, CryptoKey>();
  for (const entry of parsed.public_keys) {
    try {
      keys.set(entry.key_identifier, await importP256PublicKey(entry.key));
    } catch {
      // One key of another type or shape must not cost the others.
      console.error(`secret scanning: key ${entry.key_identifier.slice(0, 16)} is not a P-256 public key; ignored`);
    }
  }
  return { keys, fetchedAt: options.now() };
}

export class SigningKeyStore {
  private current: KeySet | null = null;
  /** When the last fetch started, successful or not: what bounds refetches. */
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<KeySet> | null = null;

  constructor(readonly options: SigningKeyStoreOptions) {}

  /**
   * The verification key GitHub publishes under `identifier`, or null when it
   * publishes none. Throws signingKeysUnavailable when no usable set can be had.
   */
  async find(identifier: string): Promise<CryptoKey | null> {
    const now = this.options.now();
    const set = this.current;
    const expired = !set || now - set.fetchedAt >= KEYS_TTL_MS;
    const unknown = set !== null && !set.keys.has(identifier);
    const mayFetch = now - this.attemptedAt >= REFETCH_MIN_INTERVAL_MS || this.inFlight !== null;
    if ((expired || unknown) && mayFetch) return (await this.refresh()).keys.get(identifier) ?? null;
    if (!set || expired) throw signingKeysUnavailable();
    return set.keys.get(identifier) ?? null;
  }

  private async refresh(): Promise<KeySet> {
    if (!this.inFlight) {
      this.attemptedAt = this.options.now();
      this.inFlight = fetchKeySet(this.options)
        .then((set) => (this.current = set))
        .finally(() => (this.inFlight = null));
    }
    try {
      return await this.inFlight;
    } catch (err) {
      console.error(`secret scanning: fetching the signing keys failed: ${err instanceof Error ? err.message : "unknown error"}`);
      throw signingKeysUnavailable();
    }
  }
}

let store: SigningKeyStore | null = null;

/** This isolate's store for the configured URL. */
export function signingKeys(env: Env): SigningKeyStore {
  const url = env.SECRET_SCANNING_KEYS_URL;
  if (!store || store.options.url !== url) store = new SigningKeyStore({ url, fetch: (u, init) => fetch(u, init), now: () => Date.now() });
  return store;
}

/** Forgets this isolate's keys (tests start from an empty cache). */
export function forgetSigningKeys(): void {
  store = null;
}
