/**
 * Failed authentications per client address, per isolate: a key with a valid
 * checksum that no account holds costs a D1 query, so an address that keeps
 * sending such keys is refused before the query (429
 * too_many_failed_authentications) until its window ends.
 *
 * Only the cold path consults it: a key found in the validation cache never
 * looks here, so the warm path gains no work and a blocked address can still
 * use a key this isolate has already validated. An address sharing a NAT with
 * a forger is blocked for keys not yet cached, at most one window.
 *
 * Bounds: AUTH_FAILURE_LIMIT failures per fixed AUTH_FAILURE_WINDOW_MS window
 * per address (IPv6 per /64, which one client usually holds whole), at most
 * MAX_ADDRESSES addresses tracked (the oldest window is dropped first).
 *
 * Each isolate counts on its own; shareAuthFailure also counts each failure in
 * the location-wide AUTH_FAILURES rate limit (Workers Rate Limiting binding,
 * same numbers), and an isolate that learns the address is over blocks it at
 * once. So a location admits about AUTH_FAILURE_LIMIT failures per address a
 * minute, plus one per isolate that had not seen it yet.
 */
import { sha256Hex } from "../shared/crypto";

export const AUTH_FAILURE_LIMIT = 20;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
const MAX_ADDRESSES = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

const windows = new Map<string, Window>();

/** The bucket of a client address: IPv4 as is, IPv6 by its /64 prefix. */
export function addressBucket(ip: string | null | undefined): string {
  const address = ip?.trim().toLowerCase();
  if (!address) return "unknown";
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.split("::");
  const front = head ? head.split(":") : [];
  const back = tail ? tail.split(":") : [];
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill("0"), ...back];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** Milliseconds until the bucket may authenticate against D1 again; 0 when it may now. */
export function blockedForMs(bucket: string, now: number): number {
  const window = windows.get(bucket);
  if (!window || now - window.startedAt >= AUTH_FAILURE_WINDOW_MS || window.failures < AUTH_FAILURE_LIMIT) return 0;
  return window.startedAt + AUTH_FAILURE_WINDOW_MS - now;
}

/** This isolate's window for the bucket, a new one if the last has ended. */
function currentWindow(bucket: string, now: number): Window {
  const existing = windows.get(bucket);
  if (existing && now - existing.startedAt < AUTH_FAILURE_WINDOW_MS) return existing;
  windows.delete(bucket);
  if (windows.size >= MAX_ADDRESSES) {
    // Maps iterate in insertion order: the first entry is the oldest window.
    const oldest = windows.keys().next().value;
    if (oldest !== undefined) windows.delete(oldest);
  }
  const window = { startedAt: now, failures: 0 };
  windows.set(bucket, window);
  return window;
}

export function recordAuthFailure(bucket: string, now: number): void {
  currentWindow(bucket, now).failures++;
}

/** The location-wide rate limit's key for a bucket: a hash, so the address itself is not sent. */
export const sharedLimitKey = (bucket: string): Promise<string> => sha256Hex(`auth-failures:${bucket}`);

/**
 * Counts a failure location-wide (run after the response: it never delays
 * one). The rate limiter is keyed by a hash of the bucket, not the address.
 * If it is unavailable, the isolate's own count still applies.
 */
export async function shareAuthFailure(limiter: RateLimit | undefined, bucket: string, now: number): Promise<void> {
  if (!limiter) return;
  try {
    const { success } = await limiter.limit({ key: await sharedLimitKey(bucket) });
    if (!success) {
      const window = currentWindow(bucket, now);
      window.failures = Math.max(window.failures, AUTH_FAILURE_LIMIT);
    }
  } catch {
    // Fail open to the isolate's own count: the limiter is a second line.
  }
}

export function clearAuthFailures(): void {
  windows.clear();
}
