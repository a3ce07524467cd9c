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
 * per address (IPv6 per /64, which one client usually holds whole; an
 * IPv4-mapped or IPv4-compatible IPv6 address counts as its IPv4 address), and
 * AUTH_FAILURE_PREFIX_LIMIT per IPv6 /48. At most MAX_ADDRESSES windows still
 * counting and MAX_ADDRESSES blocked ones are kept, each set dropping its
 * oldest first: a flood of new addresses pushes out counting windows, never a
 * block (only more blocked addresses than the bound can, the earliest blocked
 * first).
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
/**
 * Per IPv6 /48, the block a site is usually given: a client that holds one can
 * rotate through 65,536 /64s, each with its own AUTH_FAILURE_LIMIT. Five /64s'
 * worth a window, so a few clients of a shared /48 failing now and then stay
 * under it. Counted per isolate only (the location-wide binding has one limit).
 */
export const AUTH_FAILURE_PREFIX_LIMIT = 100;
export const MAX_ADDRESSES = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

/** Windows still under the limit, in insertion order, which is their start order. */
const counting = new Map<string, Window>();
/** Buckets over the limit: when their window ends. Kept apart so counting windows never evict them. */
const blocked = new Map<string, number>();

/** Eight 16-bit groups of an IPv6 address (a dotted IPv4 tail is two groups); null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  const parts = address.split(":");
  const last = parts.at(-1) ?? "";
  if (last.includes(".")) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(last)) return null;
    const octets = last.split(".").map(Number);
    if (octets.some((o) => o > 255)) return null;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    parts.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const gap = parts.indexOf("");
  if (gap !== -1) {
    // "::" leaves one to three empty parts (at the start, the end, or both); they stand for the missing zero groups.
    const filled = parts.filter((p) => p !== "");
    if (filled.length > 7) return null;
    parts.splice(0, parts.length, ...filled.slice(0, gap), ...Array<string>(8 - filled.length).fill("0"), ...filled.slice(gap));
  }
  if (parts.length !== 8 || parts.some((p) => !/^[0-9a-f]{1,4}$/.test(p))) return null;
  return parts.map((p) => parseInt(p, 16));
}

/**
 * The bucket of a client address: IPv4 as is, IPv6 by its /64 prefix. An
 * IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d) address is an
 * IPv4 client: bucketed by /64 they would all share one bucket.
 */
export function addressBucket(ip: string | null | undefined): string {
  const address = ip?.trim().toLowerCase();
  if (!address) return "unknown";
  if (!address.includes(":")) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const [g0, g1, g2, g3, g4, g5 = 0, g6 = 0, g7 = 0] = groups;
  // Compatible form: the high 96 bits zero and the IPv4 part past 0.0.255.255, which leaves :: and ::1 alone.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || (g5 === 0 && g6 !== 0))) {
    return [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The /48 an IPv6 /64 bucket belongs to; undefined for IPv4 and unparsed addresses. */
function prefixBucket(bucket: string): string | undefined {
  return bucket.endsWith("::/64") ? `${bucket.split(":", 3).join(":")}::/48` : undefined;
}

/** Milliseconds until the bucket (and, for IPv6, its /48) may authenticate against D1 again; 0 when it may now. */
export function blockedForMs(bucket: string, now: number): number {
  const prefix = prefixBucket(bucket);
  return Math.max(blockedMs(bucket, now), prefix ? blockedMs(prefix, now) : 0);
}

function blockedMs(key: string, now: number): number {
  const until = blocked.get(key);
  if (until === undefined) return 0;
  if (until > now) return until - now;
  blocked.delete(key);
  return 0;
}

/** Blocks the bucket until its window ends. */
function block(bucket: string, until: number): void {
  counting.delete(bucket);
  if (blocked.size >= MAX_ADDRESSES && !blocked.has(bucket)) dropOldest(blocked);
  blocked.set(bucket, until);
}

function dropOldest(map: Map<string, unknown>): void {
  // Maps iterate in insertion order: the first entry is the oldest.
  const oldest = map.keys().next().value;
  if (oldest !== undefined) map.delete(oldest);
}

/** This isolate's counting window for the bucket, a new one if the last has ended. */
function currentWindow(bucket: string, now: number): Window {
  const existing = counting.get(bucket);
  if (existing && now - existing.startedAt < AUTH_FAILURE_WINDOW_MS) return existing;
  counting.delete(bucket);
  if (counting.size >= MAX_ADDRESSES) dropOldest(counting);
  const window = { startedAt: now, failures: 0 };
  counting.set(bucket, window);
  return window;
}

/** Counts a failure in the key's window; the one that reaches the limit blocks the key until the window ends. */
function count(key: string, limit: number, now: number): void {
  if (blockedMs(key, now) > 0) return;
  const window = currentWindow(key, now);
  if (++window.failures >= limit) block(key, window.startedAt + AUTH_FAILURE_WINDOW_MS);
}

export function recordAuthFailure(bucket: string, now: number): void {
  count(bucket, AUTH_FAILURE_LIMIT, now);
  const prefix = prefixBucket(bucket);
  if (prefix) count(prefix, AUTH_FAILURE_PREFIX_LIMIT, now);
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
    if (!success && blockedMs(bucket, now) === 0) block(bucket, currentWindow(bucket, now).startedAt + AUTH_FAILURE_WINDOW_MS);
  } catch {
    // Fail open to the isolate's own count: the limiter is a second line.
  }
}

export function clearAuthFailures(): void {
  counting.clear();
  blocked.clear();
}
