/**
 * The response cache keeps its privacy promise end to end (docs/privacy.md,
 * "The response cache"): a canary in a cached request, sent with the official
 * OpenAI SDK through both workers under `wrangler dev`, is found in no local
 * file in plaintext while the account's limiter object holds the entry
 * (encrypted); DELETE /v1/cache removes it; an entry is never served after
 * its expiry. Shares the privacy scan of test/e2e/logging.e2e.ts
 * (local-state.ts).
 */
import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheKey } from "../../src/cache/key.ts";
import { startE2EStack, type E2EStack } from "./e2e-stack.ts";
import { filesHolding, stateFiles, type StateFile } from "./local-state.ts";

let e2e: E2EStack;

beforeAll(async () => {
  // A fresh master secret for this stack; restarts keep it, so entries stay readable.
  e2e = await startE2EStack("cache-privacy", { vars: { CACHE_MASTER_KEY: randomBytes(32).toString("base64") } });
});

afterAll(async () => {
  await e2e?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MODEL = "mistral/mistral-small-latest";

interface Answer {
  cache: string | null;
  content: string | null | undefined;
  /** The JSON body the SDK sent, as the router parsed it. */
  sent: Record<string, unknown>;
}

/** One chat completion through the official SDK, with `x-emby-cache-ttl: ttl`. */
async function ask(prompt: string, ttl: string): Promise<Answer> {
  let sent: Record<string, unknown> = {};
  const capture: typeof fetch = async (input, init) => {
    if (typeof init?.body === "string") sent = JSON.parse(init.body) as Record<string, unknown>;
    return fetch(input, init);
  };
  const client = new OpenAI({ apiKey: e2e.key, baseURL: `${e2e.stack.url}/v1`, maxRetries: 0, fetch: capture });
  const { data, response } = await client.chat.completions
    .create({ model: MODEL, messages: [{ role: "user", content: prompt }] }, { headers: { "x-emby-cache-ttl": ttl } })
    .withResponse();
  return { cache: response.headers.get("x-emby-cache"), content: data.choices[0]?.message.content, sent };
}

/**
 * Asks until the answer comes from the cache: the entry is written after the
 * response has ended (waitUntil), so the first asks may miss (each miss
 * stores it again). Returns every answer, the hit last.
 */
async function askUntilHit(prompt: string, ttl: string, attempts = 20): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < attempts; i++) {
    const answer = await ask(prompt, ttl);
    answers.push(answer);
    if (answer.cache === "hit") return answers;
    expect(answer.cache).toBe("miss");
    await sleep(100);
  }
  throw new Error(`no cache hit after ${attempts} identical requests: ${answers.map((a) => a.cache).join(", ")}`);
}

/** Files of the account limiter objects' SQLite storage (where cache_entries lives). */
const limiterFiles = (files: readonly StateFile[]) => files.filter((f) => f.path.includes("AccountLimiter"));

describe("the response cache keeps content encrypted, and only until it is withdrawn or expires", () => {
  it("holds a canary only encrypted in the account's limiter, and no longer after DELETE /v1/cache", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    const prompt = `${canary} fake:{"reply":"${canary}"}`;
    const answers = await askUntilHit(prompt, "600");
    expect(answers[0]!.cache).toBe("miss");
    const hit = answers.at(-1)!;
    expect(hit.content).toContain(canary);
    expect(hit.content).toBe(answers[0]!.content);

    // At rest: the canary is in no file, while a limiter file holds the entry's row (its key hash).
    const hashes = await Promise.all([false, true].map((euOnly) => cacheKey({ accountId: e2e.accountId, format: "openai-chat", body: hit.sent, euOnly })));
    await e2e.restart(() => {
      const files = stateFiles(e2e.stateDir);
      expect(limiterFiles(files).length, "the scan sees the limiter objects' storage").toBeGreaterThan(0);
      expect(filesHolding(files, canary)).toEqual([]);
      const holding = hashes.flatMap((h) => filesHolding(limiterFiles(files), h));
      expect(holding.length, "a limiter file holds the cache entry (its key hash)").toBeGreaterThan(0);
    });

    // The entry outlived the restart: it is stored, not held in memory.
    expect((await ask(prompt, "600")).cache).toBe("hit");
    const purged = await fetch(`${e2e.stack.url}/v1/cache`, { method: "DELETE", headers: { authorization: `Bearer ${e2e.key}` } });
    expect(purged.status).toBe(200);
    expect(await purged.json()).toEqual({ object: "cache.purge", purged: true });
    // Gone: the identical request misses (and stores its answer anew).
    expect((await ask(prompt, "600")).cache).toBe("miss");

    await e2e.restart(() => {
      expect(filesHolding(stateFiles(e2e.stateDir), canary)).toEqual([]);
    });
  });

  it("never serves an entry after its expiry", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    const prompt = `${canary} fake:{"reply":"short-lived"}`;
    // A hit shows the entry was stored; it lives one second from its creation, before that hit.
    await askUntilHit(prompt, "1");
    await sleep(1_500);
    expect((await ask(prompt, "1")).cache).toBe("miss");
  });
});
