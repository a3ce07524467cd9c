/**
 * The router's typed view of the limiter: one call to admit, one to release.
 *
 * Policy when the limiter cannot be reached or is overloaded: fail closed with
 * 503 + Retry-After. Failing open would let an outage of one component turn
 * into unlimited spend and a bypass of the AUP's limits; a short 503 is what
 * clients already retry.
 */
import { Coalescer } from "../shared/coalesce";
import { ApiError, errors } from "../shared/errors";
import type { AccountStatus, Tier } from "../db/schema";
import type { Charge, SpendReservation } from "../billing/types";
import { accessRefused } from "./access-errors";
import type { AccessOverrides } from "./access-state";
import type { CacheEntry, CacheOrigin } from "../cache/store";
import type { AccountLimiter, AdmitAnswer, Release } from "./limiter";
import { type Reservation, reservedTokens } from "./estimate";
import { rateLimitHeaders, retryAfterSeconds } from "./headers";
import { keptIdFromName } from "./object-ids";
import { accountLimits, keyLimits, type Limits } from "./tiers";
import type { AdmitResult } from "./window";

/** Who a request is admitted for: what the limiter needs of the caller's authentication. */
export interface LimitSubject {
  accountId: string;
  keyId: string;
  tier: Tier;
  /** When the paid tier lapses to free (`accounts.tier_until`, ms); null: it does not. */
  tierUntil: number | null;
  accountStatus: AccountStatus;
  /** When this view of the key and account was read from D1 (ms). */
  authAsOf: number;
  /** The key's own limits; null: the account's. */
  limits: { rpm: number | null; tpm: number | null; concurrency: number | null };
}

/** Longest the router waits for an admission decision. */
export const ADMIT_TIMEOUT_MS = 2_000;
/**
 * A release waits this long for the same account's next admission in this
 * isolate to carry it; if none comes, its own request sends it. So a slot is
 * free at most this much later than the response ended.
 */
export const RELEASE_COALESCE_MS = 10;

/** Releases not yet sent, per account, in this isolate. */
const pendingReleases = new Coalescer<string, Release>();

const MESSAGES: Record<NonNullable<AdmitResult["exceeded"]>, string> = {
  rate_limit_exceeded: "Rate limit reached: too many requests per minute.",
  tokens_limit_exceeded: "Rate limit reached: too many tokens per minute.",
  concurrency_limit_exceeded: "Too many concurrent requests.",
};

/** The account's limiter; its id is made in the configured jurisdiction ("eu" in production). */
/** What reaching an account's limiter needs: the router's and the console's env both have it. */
export type LimiterEnv = Pick<Env, "LIMITER" | "DURABLE_OBJECT_JURISDICTION">;

export function limiterFor(env: LimiterEnv, accountId: string): DurableObjectStub<AccountLimiter> {
  const jurisdiction = env.DURABLE_OBJECT_JURISDICTION;
  const namespace = jurisdiction === "none" ? env.LIMITER : env.LIMITER.jurisdiction(jurisdiction as DurableObjectJurisdiction);
  // The id is kept across requests (object-ids.ts); the stub cannot be, so it is made per call.
  return namespace.get(keptIdFromName(env.LIMITER, namespace, jurisdiction, accountId));
}

function unavailable(message = "The rate limiter is unavailable; retry shortly."): ApiError {
  return new ApiError(503, "api_error", "limiter_unavailable", message, null, { "retry-after": "1" });
}

/**
 * A request whose reservation alone exceeds a tokens-per-minute limit could
 * never be admitted, however long the client waits. It is refused here, before
 * the limiter is asked, with 400 rather than 429: the official OpenAI and
 * Anthropic SDKs retry a 429 on their own (and 408, 409, 5xx; never a 400),
 * which cannot help; the request itself has to change.
 */
function checkRequestSize(modelId: string, reservation: Reservation, key: Limits, account: Limits): void {
  const requested = reservedTokens(reservation);
  const [limit, whose] = key.tpm < account.tpm ? [key.tpm, "this API key"] : [account.tpm, "this account"];
  if (requested <= limit) return;
  throw errors.invalidRequest(
    `Request too large for ${modelId} on tokens per minute (TPM) of ${whose}: Limit ${limit}, Requested ${requested} ` +
      `(prompt estimate ${reservation.promptTokens} + up to ${reservation.completionTokens} completion tokens). ` +
      `Lower max_tokens / max_completion_tokens, n, or the prompt.`,
    null,
    "request_exceeds_tokens_limit",
  );
}

/** An admitted request: the headers to put on its response, and what changed since the caller's view was read. */
export interface Admission {
  headers: Record<string, string>;
  overrides: AccessOverrides | null;
  /** The live cached answer under the request's cache key (sealed; src/cache/crypto.ts opens it), when one was asked for and found. */
  cached?: CacheEntry;
}

const SPEND_MESSAGES = {
  insufficient_credits: "Your credit balance is too low for this request's maximum price. Add credits, or lower max_tokens.",
  budget_exceeded: "This API key has reached its spend budget for the current period.",
} as const;

/**
 * Admits a request or throws 400 (larger than the token limit itself), 402
 * (the balance or the key's budget cannot cover its maximum price), 429
 * (which limit, Retry-After, x-ratelimit-*), 503, or an AccessRefusedError
 * (401/403) when the limiter knows of a revocation, closure, suspension or
 * termination the caller's view does not hold yet. `waitUntil` is the
 * request's own: releases this admission carried are sent in it if the
 * admission fails.
 */
export async function admit(
  env: Env,
  auth: LimitSubject,
  leaseId: string,
  modelId: string,
  reservation: Reservation,
  spend: SpendReservation,
  waitUntil: (p: Promise<unknown>) => void,
  /** A cacheable request's key (src/cache/key.ts): a live entry under it comes back as `cached`, reserving no money. */
  cacheKey?: string,
): Promise<Admission> {
  const account = accountLimits(auth.tier, auth.accountStatus);
  const key = keyLimits(account, auth.limits);
  checkRequestSize(modelId, reservation, key, account);
  const tokens = reservedTokens(reservation);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let result: AdmitAnswer;
  const releases = pendingReleases.take(auth.accountId);
  try {
    result = await Promise.race([
      limiterFor(env, auth.accountId).admit(
        { leaseId, keyId: auth.keyId, accountId: auth.accountId, account, key, tokens, keyOwnLimits: auth.limits, view: { asOf: auth.authAsOf, status: auth.accountStatus, tier: auth.tier, tierUntil: auth.tierUntil }, spend, ...(cacheKey === undefined ? {} : { cacheKey }) },
        releases,
      ),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("limiter timeout")), ADMIT_TIMEOUT_MS))),
    ]);
  } catch (err) {
    console.error("limiter unavailable", err);
    // Whether the releases arrived is unknown; releasing twice is harmless
    // (money settles once per lease). Their own requests have returned, and
    // this isolate may see no more of the account's traffic to carry them:
    // a batch that settles money is sent now, with retries, in this
    // request's waitUntil; one that only frees slots waits for the next
    // carrier (the alarm expires its leases if none comes).
    if (releases.some((r) => r.charge)) waitUntil(sendReleases(env, auth.accountId, releases));
    else pendingReleases.restore(auth.accountId, releases);
    throw unavailable();
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  if (result.refused) throw accessRefused(result.refused.code, result.refused.reason, env.APPEALS_CONTACT);
  if (result.spendRefused) throw errors.paymentRequired(SPEND_MESSAGES[result.spendRefused], result.spendRefused);
  const headers = rateLimitHeaders(result);
  if (result.exceeded) {
    throw new ApiError(429, "rate_limit_error", result.exceeded, MESSAGES[result.exceeded], null, {
      ...headers,
      "retry-after": retryAfterSeconds(result.retryAfterMs),
    });
  }
  return { headers, overrides: result.overrides, ...(result.cached ? { cached: result.cached } : {}) };
}

/** Attempts of a release batch that settles money, and the wait before each retry. */
const SETTLE_RETRY_DELAYS_MS = [100, 500, 2_000];

/**
 * Frees the request's slot, settles its tokens and, given a charge, its
 * money: queued for the account's next admission in this isolate, or sent by
 * this request after RELEASE_COALESCE_MS if none carried it. Runs in the
 * request's own waitUntil, so no request waits on another's I/O.
 */
export async function release(env: Env, accountId: string, leaseId: string, actualTokens: number | null | undefined, charge: Charge | null = null): Promise<void> {
  const releases = await pendingReleases.join(accountId, { leaseId, tokens: actualTokens ?? null, charge }, RELEASE_COALESCE_MS);
  if (!releases) return; // an admission (or another release) carried it
  await sendReleases(env, accountId, releases);
}

/**
 * Sends a batch of releases. One that settles money is retried a few times
 * (settling is idempotent per lease); if it still fails, each charge it
 * carried is logged with its lease id and amount, since the limiter will not
 * charge it (its reservation is released uncharged at expiry) and the
 * operator has to reconcile it against the log event. Other failures are
 * logged, and the alarm reclaims a lease never released.
 */
async function sendReleases(env: Env, accountId: string, releases: readonly Release[]): Promise<void> {
  const retries = releases.some((r) => r.charge) ? SETTLE_RETRY_DELAYS_MS : [];
  for (let attempt = 0; ; attempt++) {
    try {
      await limiterFor(env, accountId).releaseMany(releases);
      return;
    } catch (err) {
      const delay = retries[attempt];
      if (delay === undefined) return reportLost(releases, err);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function reportLost(releases: readonly Release[], err: unknown): void {
  console.error("limiter release failed; the leases will expire", err);
  for (const { leaseId, charge } of releases) {
    if (!charge || (charge.priceNano === 0 && charge.providerCostNano === 0)) continue;
    console.error(`BILLING: settlement lost after ${SETTLE_RETRY_DELAYS_MS.length + 1} attempts: lease ${leaseId} price_nano_usd=${charge.priceNano} provider_cost_nano_usd=${charge.providerCostNano} not charged; reconcile from its log event`);
  }
}

/** Stores a sealed answer in the account's cache (after a complete response, from waitUntil): false when the object declined it. */
export async function cachePut(env: LimiterEnv, accountId: string, entry: CacheEntry, origin?: CacheOrigin): Promise<boolean> {
  return limiterFor(env, accountId).cachePut(entry, origin);
}

/**
 * Deletes every cached answer of the account at once (the opt-in withdrawn).
 * Throws 503 `limiter_unavailable`, with `message` when the caller has a
 * better one, when the object cannot be reached: a withdrawal must not
 * report success while the entries remain.
 */
export async function cachePurge(env: LimiterEnv, accountId: string, message = "The response cache could not be purged; retry shortly."): Promise<void> {
  try {
    await limiterFor(env, accountId).cachePurge();
  } catch (err) {
    console.error("limiter unavailable: cache not purged", err);
    throw unavailable(message);
  }
}
