/**
 * The response cache in a model call (docs/cache.md, "In routing"): whether a
 * request uses it (planCache, before routing), the answer to a hit
 * (cachedResponse), and the store after a miss (observeMiss). src/router/call.ts
 * hooks these in around the admission it already makes.
 *
 * A request without a TTL (no header, no key default) costs nothing here: no
 * hashing, no key derivation, no extra call.
 */
import type { Context } from "hono";
import { answerCollector, ANSWER_FORMATS, storedAnswer, storedText } from "../cache/answer";
import { accountCacheKey, openEntry, sealEntry } from "../cache/crypto";
import { cacheKey, type ApiFormat } from "../cache/key";
import type { CacheEntry, CacheOrigin } from "../cache/store";
import { CACHE_MAX_TTL_S, CACHE_TTL_CLAMPED_HEADER, CACHE_TTL_HEADER, parseCacheTtl, type CacheTtl } from "../cache/ttl";
import { cachePut } from "../limits/client";
import { encodeSse, SSE_HEADERS } from "../providers/sse";
import type { CallOutcome } from "../providers/types";
import type { AppEnv, AuthContext } from "./env";

export const CACHE_STATUS_HEADER = "x-emby-cache";

/** A request that uses the cache: its key, how long an answer lives, and how the client wants it delivered. */
export interface CachePlan {
  format: ApiFormat;
  key: string;
  ttl: { seconds: number; clamped: boolean };
  stream: boolean;
  /** OpenAI's `stream_options.include_usage`: a replayed stream ends with a usage chunk. */
  includeUsage: boolean;
  /** Where an answer to store came from, so the object can refuse one a purge withdrew (CacheOrigin). */
  origin: CacheOrigin;
}

export interface CacheRequest {
  format: ApiFormat;
  /** The body as parsed JSON, as sent (readModelRequest's `json`). */
  json: unknown;
  stream: boolean;
  includeUsage?: boolean;
  /** Request headers that change the answer (cacheKey's `headers`); made only for a request that uses the cache. */
  headers?: () => Readonly<Record<string, string>>;
}

/**
 * The TTL in force: the header when sent (0 turns the cache off even over a
 * key default; a malformed value is a 400), else the key's default.
 */
function ttlOf(header: string | undefined, keyDefault: number | null): CacheTtl {
  if (header !== undefined) return parseCacheTtl(header);
  if (keyDefault === null || keyDefault <= 0) return { seconds: 0 };
  return { seconds: Math.min(keyDefault, CACHE_MAX_TTL_S), clamped: keyDefault > CACHE_MAX_TTL_S };
}

/**
 * The request's cache plan; null: bypass. Bypass when no TTL applies, or
 * when the cache cannot run (no CACHE_MASTER_KEY, or an account without a
 * salt): never an error.
 */
export async function planCache(c: Context<AppEnv>, request: CacheRequest): Promise<CachePlan | null> {
  const auth = c.get("auth");
  const header = c.req.header(CACHE_TTL_HEADER);
  if (header === undefined && auth.cacheTtlDefault === null) return null;
  const ttl = ttlOf(header, auth.cacheTtlDefault);
  if (!("clamped" in ttl) || !c.env.CACHE_MASTER_KEY || auth.cacheSalt === null) return null;
  const key = await cacheKey({
    accountId: auth.accountId,
    format: request.format,
    body: request.json,
    // The EU restriction routing applies beyond the body's own (src/routing/plan.ts).
    euOnly: auth.euOnly || !auth.nonEuConsent,
    ...(request.headers ? { headers: request.headers() } : {}),
  });
  const origin = { requestedAt: Date.now(), viewAsOf: auth.authAsOf, viaKeyDefault: header === undefined };
  return { format: request.format, key, ttl, stream: request.stream, includeUsage: request.includeUsage === true, origin };
}

/** The headers every response of a model call says the cache's part with (a hit adds `age`). */
export function cacheHeaders(plan: CachePlan | null, hit = false): Record<string, string> {
  if (!plan) return { [CACHE_STATUS_HEADER]: "bypass" };
  return { [CACHE_STATUS_HEADER]: hit ? "hit" : "miss", ...(plan.ttl.clamped ? { [CACHE_TTL_CLAMPED_HEADER]: String(plan.ttl.seconds) } : {}) };
}

/** Derived data keys, per account and salt, so repeated hits and stores do not derive again. */
const DATA_KEYS = new Map<string, CryptoKey>();
const MAX_DATA_KEYS = 256;

/** The account's data key; null (logged) when CACHE_MASTER_KEY is unusable, which makes the cache a miss, never an error. */
async function dataKey(env: Env, auth: AuthContext): Promise<CryptoKey | null> {
  const id = `${auth.accountId}\n${auth.cacheSalt}`;
  const known = DATA_KEYS.get(id);
  if (known) return known;
  try {
    const key = await accountCacheKey(env.CACHE_MASTER_KEY, auth.cacheSalt!, auth.accountId);
    // Oldest first out: Map keeps insertion order.
    if (DATA_KEYS.size >= MAX_DATA_KEYS) DATA_KEYS.delete(DATA_KEYS.keys().next().value!);
    DATA_KEYS.set(id, key);
    return key;
  } catch (err) {
    console.error("response cache key unavailable", err instanceof Error ? err.message : String(err));
    return null;
  }
}

/**
 * The response to a hit: the stored answer as JSON, or replayed as a stream
 * in the client's format, with `x-emby-cache: hit` and `age`. Null when the
 * entry does not open (another salt or master key, or altered): a miss.
 */
export async function cachedResponse(env: Env, auth: AuthContext, plan: CachePlan, entry: CacheEntry): Promise<Response | null> {
  const key = await dataKey(env, auth);
  const plaintext = key && (await openEntry(key, entry));
  const answer = plaintext ? storedAnswer(plaintext, plan.format) : null;
  if (!answer) return null;
  const headers = { ...cacheHeaders(plan, true), age: String(Math.max(0, Math.floor((Date.now() - entry.createdAt) / 1000))) };
  if (!plan.stream) return new Response(JSON.stringify(answer), { headers: { "content-type": "application/json", ...headers } });
  const events = ANSWER_FORMATS[plan.format].replay(answer, { includeUsage: plan.includeUsage });
  return new Response(encodeSse(events), { headers: { ...SSE_HEADERS, ...headers } });
}

/**
 * Passes a miss's response to the client unchanged, chunk by chunk, while
 * collecting the answer; once the body has ended and the call's outcome is
 * `completed`, seals the answer and stores it (waitUntil). Nothing is stored
 * for a client that left, a failed call, an incomplete or filtered answer,
 * or one over the entry bound.
 */
export function observeMiss(c: Context<AppEnv>, plan: CachePlan, response: Response, outcome: Promise<CallOutcome>): Response {
  if (!response.body) return response;
  const collector = answerCollector(plan.format, plan.stream);
  let ended!: (complete: boolean) => void;
  const bodyEnded = new Promise<boolean>((resolve) => (ended = resolve));
  // The relay does not rely on cancel() either: a client that leaves aborts the request signal.
  c.req.raw.signal.addEventListener("abort", () => ended(false), { once: true });
  const observer = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      collector.push(chunk);
    },
    flush: () => ended(!c.req.raw.signal.aborted),
  });
  const auth = c.get("auth");
  c.executionCtx.waitUntil(
    outcome
      .catch(() => null)
      // A call that did not complete stores nothing: no need to wait for its body.
      .then(async (settled) => (settled?.result === "completed" && (await bodyEnded) ? settled : null))
      .then(async (settled) => {
        if (!settled) return;
        const answer = collector.answer(settled.usage);
        const key = answer && (await dataKey(c.env, auth));
        if (!answer || !key) return;
        const now = Date.now();
        const entry = await sealEntry(key, storedText(plan.format, answer), { keyHash: plan.key, createdAt: now, expiresAt: now + plan.ttl.seconds * 1000 });
        await cachePut(c.env, auth.accountId, entry, plan.origin);
      })
      .catch((err: unknown) => console.error("response cache store failed", err instanceof Error ? err.message : String(err))),
  );
  return new Response(response.body.pipeThrough(observer), response);
}
