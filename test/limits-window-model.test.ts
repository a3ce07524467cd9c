/**
 * The limiter window keeps running totals (O(1) per call). This checks every
 * decision and every header value against a plain model that recounts the
 * whole window on each call, over seeded random traffic long enough to
 * compact the window's logs many times. Now and then a request reserves, or a
 * provider reports, an absurd number of tokens (2^53 × 128): running sums must
 * stay exact through them, and the model's plain sums say what exact is.
 */
import { describe, expect, it } from "vitest";
import type { Limits } from "../src/limits/tiers";
import { LimiterWindow, MAX_REQUEST_TOKENS, WINDOW_MS, type AdmitInput, type AdmitResult, type Quota } from "../src/limits/window";
import { mulberry32 } from "./helpers/random";

interface Entry {
  leaseId: string;
  keyId: string;
  at: number;
  tokens: number;
  leaseUntil: number | null;
}

/** The rules, recomputed from scratch over every admission still in the window. */
function modelAdmit(log: Entry[], now: number, input: AdmitInput): Pick<AdmitResult, "admitted" | "exceeded"> & { retryAfterMs: number | null; requests: Quota; tokens: Quota } {
  const live = log.filter((e) => e.at > now - WINDOW_MS);
  const scope = (keyId: string | null) => live.filter((e) => keyId === null || e.keyId === keyId);
  const open = (keyId: string | null) => log.filter((e) => e.leaseUntil !== null && e.leaseUntil > now && (keyId === null || e.keyId === keyId)).length;
  const sum = (entries: Entry[]) => entries.reduce((s, e) => s + e.tokens, 0);
  const [acct, key] = [scope(null), scope(input.keyId)];
  // A reservation above the limit never fits, not even in an empty window.
  const fits = (used: number, limit: number) => used + input.tokens <= limit;
  let exceeded: AdmitResult["exceeded"] = null;
  if (key.length >= input.key.rpm || acct.length >= input.account.rpm) exceeded = "rate_limit_exceeded";
  else if (!fits(sum(key), input.key.tpm) || !fits(sum(acct), input.account.tpm)) exceeded = "tokens_limit_exceeded";
  else if (open(input.keyId) >= input.key.concurrency || open(null) >= input.account.concurrency) exceeded = "concurrency_limit_exceeded";
  const add = exceeded === null ? 1 : 0;
  // When the scope's oldest counted admission leaves the window (this one, if admitted into an empty scope).
  const reset = (entries: Entry[]) => (entries[0] ? entries[0].at + WINDOW_MS - now : add ? WINDOW_MS : 0);
  const tighter = (k: number, a: number, kl: number, al: number) =>
    k <= a ? { limit: kl, remaining: Math.max(0, k), resetMs: reset(key) } : { limit: al, remaining: Math.max(0, a), resetMs: reset(acct) };
  // Retry-After is checked for the rules with a closed form; a token refusal's wait is the window's own walk.
  const retryAfterMs =
    exceeded === "rate_limit_exceeded"
      ? Math.max(key.length >= input.key.rpm ? reset(key) : 0, acct.length >= input.account.rpm ? reset(acct) : 0)
      : exceeded === "concurrency_limit_exceeded"
        ? 1_000
        : exceeded === null
          ? 0
          : null;
  return {
    admitted: exceeded === null,
    exceeded,
    retryAfterMs,
    requests: tighter(input.key.rpm - key.length - add, input.account.rpm - acct.length - add, input.key.rpm, input.account.rpm),
    tokens: tighter(input.key.tpm - sum(key) - add * input.tokens, input.account.tpm - sum(acct) - add * input.tokens, input.key.tpm, input.account.tpm),
  };
}

/** max_tokens 2^53−1 with n 128: far beyond what a float sum can carry exactly. */
const HUGE = Number.MAX_SAFE_INTEGER * 128;

describe("limiter window against a recounting model (seeded random traffic)", () => {
  for (const seed of [1, 2, 3]) {
    it(`agrees on every decision and remaining count, seed ${seed}`, () => {
      const random = mulberry32(seed);
      const window = new LimiterWindow();
      const log: Entry[] = [];
      const account: Limits = { rpm: 2_500, tpm: 900_000, concurrency: 40 };
      const keyLimits: Record<string, Limits> = {
        "key-a": { rpm: 1_500, tpm: 600_000, concurrency: 30 },
        "key-b": { rpm: 2_500, tpm: 400_000, concurrency: 12 },
        "key-c": account,
      };
      let now = 0;
      for (let i = 0; i < 12_000; i++) {
        now += Math.floor(random() * 12);
        if (random() < 0.002) now += WINDOW_MS; // an idle minute empties the window
        const keyId = (["key-a", "key-b", "key-c"] as const)[Math.floor(random() * 3)]!;
        const input: AdmitInput = { leaseId: `l${i}`, keyId, account, key: keyLimits[keyId]!, tokens: random() < 0.003 ? HUGE : 1 + Math.floor(random() * 400), leaseTtlMs: 5_000 };
        for (const e of log) if (e.leaseUntil !== null && e.leaseUntil <= now) e.leaseUntil = null;
        window.expireLeases(now);

        const expected = modelAdmit(log, now, input);
        const got = window.admit(now, input);
        const retryAfterMs = expected.retryAfterMs === null ? null : got.retryAfterMs;
        expect({ admitted: got.admitted, exceeded: got.exceeded, retryAfterMs, requests: got.requests, tokens: got.tokens }, `request ${i}`).toEqual(expected);
        if (got.admitted) log.push({ leaseId: input.leaseId, keyId, at: now, tokens: input.tokens, leaseUntil: now + input.leaseTtlMs });

        // End a random open request (now and then one already ended or expired: a late
        // or repeated release): settle it to a real usage, or keep its reservation.
        if (random() < 0.9) {
          const late = random() < 0.1;
          const candidates = late ? log : log.filter((e) => e.leaseUntil !== null);
          const e = candidates[Math.floor(random() * candidates.length)];
          if (e) {
            const roll = random();
            const actual = roll < 0.001 ? HUGE : roll < 0.8 ? Math.floor(random() * 600) : null;
            window.release(e.leaseId, actual);
            e.leaseUntil = null;
            // A usage report counts for at most MAX_REQUEST_TOKENS.
            if (actual !== null && e.at > now - WINDOW_MS) e.tokens = Math.min(actual, MAX_REQUEST_TOKENS);
          }
        }
        log.splice(0, log.findIndex((e) => e.at > now - WINDOW_MS || e.leaseUntil !== null) >>> 0);
      }
      expect(window.admissionCount).toBe(log.filter((e) => e.at > now - WINDOW_MS).length);
      expect(window.leases.size).toBe(log.filter((e) => e.leaseUntil !== null).length);
      expect(window.tokenCount).toBe(log.filter((e) => e.at > now - WINDOW_MS).reduce((sum, e) => sum + e.tokens, 0));
    });
  }
});
