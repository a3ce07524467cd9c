import { env } from "cloudflare:workers";

/** The limiter Durable Object of an account, as the router addresses it in tests (no jurisdiction locally). */
export function limiterStub(accountId: string) {
  return env.LIMITER.get(env.LIMITER.idFromName(accountId));
}

/** Polls until `check` holds or fails after `ms`. */
export async function eventually(check: () => Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Largest number of recorded upstream requests that overlapped in time. */
export function maxOverlap(intervals: { receivedAt: number; finishedAt: number | null }[]): number {
  const events: [number, number][] = [];
  for (const i of intervals) events.push([i.receivedAt, 1], [i.finishedAt ?? Number.MAX_SAFE_INTEGER, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (current += delta));
  return max;
}
