import { describe, expect, it } from "vitest";
import { accountLimits, keyLimits, TIER_LIMITS } from "../src/limits/tiers";
import { LimiterWindow, WINDOW_MS, type AdmitInput } from "../src/limits/window";
import { formatReset } from "../src/limits/headers";

const BIG = { rpm: 1_000, tpm: 1_000_000, concurrency: 1_000 };
let n = 0;
const input = (over: Partial<AdmitInput> = {}): AdmitInput => ({
  leaseId: `lease-${++n}`,
  keyId: "key-a",
  account: BIG,
  key: BIG,
  tokens: 10,
  leaseTtlMs: 60_000,
  ...over,
});

describe("limiter rules (controlled clock)", () => {
  it("RPM L=5: of 8 requests exactly 5 are admitted; remaining counts 4..0", () => {
    const w = new LimiterWindow();
    const limits = { ...BIG, rpm: 5 };
    const results = Array.from({ length: 8 }, (_, i) => w.admit(1_000 + i, input({ key: limits })));
    expect(results.map((r) => r.admitted)).toEqual([true, true, true, true, true, false, false, false]);
    expect(results.slice(0, 5).map((r) => r.requests.remaining)).toEqual([4, 3, 2, 1, 0]);
    expect(results[5]!.exceeded).toBe("rate_limit_exceeded");
    // The oldest admission (t=1000) leaves the window at t=61000.
    expect(results[5]!.retryAfterMs).toBe(1_000 + WINDOW_MS - 1_005);
  });

  it("slides exactly: L admits in any 60 s window, never L+1", () => {
    const w = new LimiterWindow();
    const limits = { ...BIG, rpm: 3 };
    const t0 = 10_000;
    expect(w.admit(t0, input({ key: limits })).admitted).toBe(true);
    expect(w.admit(t0 + 20_000, input({ key: limits })).admitted).toBe(true);
    expect(w.admit(t0 + 40_000, input({ key: limits })).admitted).toBe(true);
    expect(w.admit(t0 + 59_999, input({ key: limits })).admitted).toBe(false); // t0 still inside
    expect(w.admit(t0 + 60_000, input({ key: limits })).admitted).toBe(true); // t0 just left
    expect(w.admit(t0 + 60_001, input({ key: limits })).admitted).toBe(false);
    expect(w.admit(t0 + 80_000, input({ key: limits })).admitted).toBe(true); // t0+20000 left
  });

  it("keeps bounded state: admissions older than the window are pruned", () => {
    const w = new LimiterWindow();
    for (let i = 0; i < 1_000; i++) w.admit(i * 1_000, input({ key: { ...BIG, rpm: 10 } }));
    expect(w.admissionCount).toBeLessThanOrEqual(10);
  });

  it("tokens: a reservation is settled to the real usage", () => {
    const w = new LimiterWindow();
    const limits = { ...BIG, tpm: 1_000 };
    const a = input({ key: limits, tokens: 400 });
    expect(w.admit(0, a).tokens.remaining).toBe(600);
    expect(w.admit(1, input({ key: limits, tokens: 400 })).tokens.remaining).toBe(200);
    const rejected = w.admit(2, input({ key: limits, tokens: 400 }));
    expect(rejected.exceeded).toBe("tokens_limit_exceeded");
    expect(rejected.retryAfterMs).toBe(WINDOW_MS - 2);
    w.release(a.leaseId, 100); // actual usage was 100, not 400
    const after = w.admit(3, input({ key: limits, tokens: 400 }));
    expect(after.admitted).toBe(true);
    expect(after.tokens.remaining).toBe(1_000 - 100 - 400 - 400);
  });

  it("tokens: admitted reservations never exceed the limit (random load, seeded)", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const w = new LimiterWindow();
    const limit = 10_000;
    const admitted: { at: number; tokens: number; id: string }[] = [];
    let now = 0;
    for (let i = 0; i < 3_000; i++) {
      now += Math.floor(random() * 200);
      const req = input({ key: { ...BIG, tpm: limit }, tokens: 1 + Math.floor(random() * 3_000) });
      if (w.admit(now, req).admitted) admitted.push({ at: now, tokens: req.tokens, id: req.leaseId });
      if (random() < 0.5 && admitted.length > 0) w.release(admitted[admitted.length - 1]!.id, null);
      const inWindow = admitted.filter((a) => a.at > now - WINDOW_MS);
      const total = inWindow.reduce((s, a) => s + a.tokens, 0);
      expect(total).toBeLessThanOrEqual(limit);
    }
  });

  it("never admits a request larger than the whole token limit, not even into an empty window", () => {
    const w = new LimiterWindow();
    const limits = { ...BIG, tpm: 100 };
    expect(w.admit(0, input({ key: limits, tokens: 500 })).exceeded).toBe("tokens_limit_exceeded");
    expect(w.admit(1, input({ key: limits, tokens: 100 })).admitted).toBe(true);
  });

  it("concurrency: leases up to the limit, freed on release", () => {
    const w = new LimiterWindow();
    const limits = { ...BIG, concurrency: 2 };
    const a = input({ key: limits });
    expect(w.admit(0, a).admitted).toBe(true);
    expect(w.admit(0, input({ key: limits })).admitted).toBe(true);
    const third = w.admit(0, input({ key: limits }));
    expect(third.exceeded).toBe("concurrency_limit_exceeded");
    w.release(a.leaseId, 5);
    expect(w.admit(0, input({ key: limits })).admitted).toBe(true);
  });

  it("adding a known lease or admission again changes no count", () => {
    const w = new LimiterWindow();
    const lease = { leaseId: "l-1", keyId: "key-a", expiresAt: 60_000 };
    const admission = { leaseId: "l-1", keyId: "key-a", at: 0, tokens: 10 };
    for (let i = 0; i < 2; i++) {
      w.addAdmission(admission);
      w.addLease(lease);
    }
    expect([w.admissionCount, w.tokenCount, w.leases.size]).toEqual([1, 10, 1]);
    w.release("l-1", null);
    // One release frees the only slot: a concurrency limit of 1 admits again.
    expect(w.admit(1, input({ key: { ...BIG, concurrency: 1 } })).admitted).toBe(true);
  });

  it("reclaims leases past their TTL", () => {
    const w = new LimiterWindow();
    w.admit(0, input({ leaseTtlMs: 1_000 }));
    expect(w.expireLeases(999)).toHaveLength(0);
    expect(w.expireLeases(1_000)).toHaveLength(1);
    expect(w.leases.size).toBe(0);
  });

  it("two keys of one account share the account limit", () => {
    const w = new LimiterWindow();
    const account = { ...BIG, rpm: 4 };
    const results = [0, 1, 2, 3, 4, 5].map((i) => w.admit(i, input({ keyId: i % 2 ? "key-b" : "key-a", account, key: account })));
    expect(results.filter((r) => r.admitted)).toHaveLength(4);
    expect(results[4]!.exceeded).toBe("rate_limit_exceeded");
  });

  it("reports the tighter of key and account in the headers", () => {
    const w = new LimiterWindow();
    const r = w.admit(0, input({ account: { ...BIG, rpm: 100 }, key: { ...BIG, rpm: 10 } }));
    expect(r.requests).toMatchObject({ limit: 10, remaining: 9 });
  });
});

describe("tier limits", () => {
  it("per-key overrides only lower the account's limits", () => {
    const account = TIER_LIMITS.free;
    expect(keyLimits(account, { rpm: 5, tpm: null, concurrency: 1_000 })).toEqual({ rpm: 5, tpm: account.tpm, concurrency: account.concurrency });
  });

  it("the rate_limited penalty status reduces every limit", () => {
    const normal = accountLimits("pro", "active");
    const penalty = accountLimits("pro", "rate_limited");
    expect(penalty.rpm).toBeLessThan(normal.rpm);
    expect(penalty.tpm).toBeLessThan(normal.tpm);
    expect(penalty.concurrency).toBeLessThan(normal.concurrency);
    expect(accountLimits("free", "rate_limited").concurrency).toBeGreaterThanOrEqual(1);
    expect(accountLimits("pro", "warned")).toEqual(normal);
  });

  it("formats resets the way OpenAI does", () => {
    expect(formatReset(20)).toBe("20ms");
    expect(formatReset(1_500)).toBe("1.5s");
    expect(formatReset(60_000)).toBe("1m0s");
    expect(formatReset(-5)).toBe("0ms");
  });
});
