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
 * MAX_ADDRESSES addresses tracked (the oldest window is dropped first). Each
 * isolate counts on its own, so across isolates the bound multiplies by
 * their number; the negative cache (auth-cache.ts) spares D1 the repeats.
 */
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

export function recordAuthFailure(bucket: string, now: number): void {
  let window = windows.get(bucket);
  if (!window || now - window.startedAt >= AUTH_FAILURE_WINDOW_MS) {
    windows.delete(bucket);
    if (windows.size >= MAX_ADDRESSES) {
      // Maps iterate in insertion order: the first entry is the oldest window.
      const oldest = windows.keys().next().value;
      if (oldest !== undefined) windows.delete(oldest);
    }
    window = { startedAt: now, failures: 0 };
    windows.set(bucket, window);
  }
  window.failures++;
}

export function clearAuthFailures(): void {
  windows.clear();
}
