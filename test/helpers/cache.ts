/**
 * Response-cache test helpers: entries sealed as the router seals them and
 * stored through the account's limiter object; requests that wait for their
 * after-response work (a miss's store).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { accountCacheKey, sealEntry } from "../../src/cache/crypto";
import { cacheKey } from "../../src/cache/key";
import type { CacheEntry } from "../../src/cache/store";
import type { LogEvent } from "../../src/shared/log-event";
import { limiterStub } from "./limiter";
import { callWithLog, chatInit, readBody } from "./log-capture";

/** The account's cache salt as D1 holds it; undefined when the row is gone. */
export async function cacheSaltOf(accountId: string): Promise<string | null | undefined> {
  const row = await env.DB.prepare("select cache_salt from accounts where id = ?").bind(accountId).first<{ cache_salt: string | null }>();
  return row === null ? undefined : row.cache_salt;
}

/**
 * Seals `answer` under the account's data key (CACHE_MASTER_KEY and the salt
 * read from D1), for a request whose prompt is `prompt`, and stores it in the
 * account's limiter object; throws unless the object kept it.
 */
export async function storeCachedAnswer(accountId: string, prompt: string, answer: string, ttlMs = 60_000): Promise<CacheEntry> {
  const salt = await cacheSaltOf(accountId);
  if (!salt) throw new Error(`account ${accountId} has no cache salt`);
  const body = { model: "mistral/mistral-small-latest", messages: [{ role: "user", content: prompt }] };
  const keyHash = await cacheKey({ accountId, format: "openai-chat", body, euOnly: false });
  const now = Date.now();
  const entry = await sealEntry(await accountCacheKey(env.CACHE_MASTER_KEY, salt, accountId), answer, { keyHash, createdAt: now, expiresAt: now + ttlMs });
  if (!(await limiterStub(accountId).cachePut(entry))) throw new Error("the limiter declined the entry");
  return entry;
}

/** How many rows the account's limiter object holds in cache_entries. */
export function cacheRowCount(accountId: string): Promise<number> {
  return runInDurableObject(limiterStub(accountId), (_, state) => state.storage.sql.exec<{ n: number }>("select count(*) as n from cache_entries").one().n);
}

export type CachedPath = "/v1/chat/completions" | "/v1/messages";

export const TTL = { "x-emby-cache-ttl": "60" };

export interface Sent {
  res: Response;
  text: string;
  /** The request's one log event. */
  event: LogEvent;
}

/**
 * Sends a request, reads its body and waits for its waitUntil work (the log
 * event, a miss's store), so the next request sees what this one stored.
 */
export async function send(path: CachedPath, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Sent> {
  const init = path === "/v1/chat/completions"
    ? chatInit(key, body)
    : { method: "POST", headers: { "x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json" }, body: JSON.stringify(body) };
  const made = await callWithLog(path, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } });
  const text = await readBody(made.response);
  const events = await made.settled();
  if (events.length !== 1) throw new Error(`expected one log event, got ${events.length}`);
  return { res: made.response, text, event: events[0]! };
}

/** The `data:` payloads of an SSE body, `[DONE]` kept as the string. */
export function dataOf(text: string): unknown[] {
  return text
    .split("\n\n")
    .map((block) => block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"))
    .filter((d) => d.length > 0)
    .map((d) => (d === "[DONE]" ? d : JSON.parse(d)));
}

/** The `event:` names of an SSE body, in order. */
export const eventNames = (text: string) => text.split("\n").filter((l) => l.startsWith("event: ")).map((l) => l.slice(7));
