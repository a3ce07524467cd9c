/**
 * The limiter's Durable Object ids are kept per isolate (src/limits/object-ids.ts):
 * the same object is reached with a kept id as with a fresh one (erasure
 * included), the id is made once per account, and the memory is bounded,
 * least recently used first.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { limiterFor } from "../src/limits/client";
import type { AdmitRequest } from "../src/limits/limiter";
import { keptIdFromName, keptIdNames, MAX_KEPT_IDS } from "../src/limits/object-ids";
import { TIER_LIMITS } from "../src/limits/tiers";
import { limiterStub } from "./helpers/limiter";

const admission = (accountId: string): AdmitRequest => ({
  leaseId: crypto.randomUUID(), keyId: "key_a", accountId, account: TIER_LIMITS.pro, key: TIER_LIMITS.pro, tokens: 10,
  keyOwnLimits: { rpm: null, tpm: null, concurrency: null }, view: { asOf: Date.now(), status: "active", tier: "pro", tierUntil: null },
  spend: { maxPriceNano: 0, keyBudget: null },
});

/** A namespace that counts the ids it makes (ids are plain objects here). */
function countingNamespace() {
  const made: string[] = [];
  const namespace = { idFromName: (name: string) => (made.push(name), { name }) } as unknown as DurableObjectNamespace;
  return { namespace, made };
}

describe("kept limiter ids", () => {
  it("reach the same object as a fresh id, through admission and erasure", async () => {
    const accountId = `acct_ids_${crypto.randomUUID()}`;
    const first = await limiterFor(env, accountId).admit(admission(accountId));
    expect(first.refused === null && first.spendRefused === null && first.admitted).toBe(true);
    expect(keptIdNames(env.LIMITER).filter((n) => n.endsWith(accountId))).toEqual([`none/${accountId}`]);
    expect(limiterFor(env, accountId).id.equals(env.LIMITER.idFromName(accountId))).toBe(true);
    expect((await limiterStub(accountId).snapshot()).leases).toBe(1);

    await limiterFor(env, accountId).erase("pseudonym_ids");
    expect((await limiterStub(accountId).snapshot()).leases).toBe(0);
    const after = await limiterFor(env, accountId).admit(admission(accountId));
    expect(after.refused).not.toBeNull();
  });

  it("makes an id once per name and namespace, and forgets the least recently used past the bound", () => {
    const { namespace, made } = countingNamespace();
    const other = countingNamespace();
    const a = keptIdFromName(namespace, namespace, "none", "a");
    expect(keptIdFromName(namespace, namespace, "none", "a")).toBe(a);
    expect(keptIdFromName(namespace, namespace, "eu", "a")).not.toBe(a);
    keptIdFromName(other.namespace, other.namespace, "none", "a");
    expect(made).toEqual(["a", "a"]);
    expect(other.made).toEqual(["a"]);

    for (let i = 0; i < MAX_KEPT_IDS - 2; i++) keptIdFromName(namespace, namespace, "none", `n${i}`);
    expect(keptIdNames(namespace)).toHaveLength(MAX_KEPT_IDS);
    keptIdFromName(namespace, namespace, "none", "a"); // used again: now the most recent
    keptIdFromName(namespace, namespace, "none", "past the bound");
    const names = keptIdNames(namespace);
    expect(names).toHaveLength(MAX_KEPT_IDS);
    expect(names).not.toContain("eu/a"); // the least recently used went
    expect(names.slice(-2)).toEqual(["none/a", "none/past the bound"]);
    expect(made.filter((n) => n === "a")).toHaveLength(2);
  });
});
