/**
 * The response cache keeps its privacy promise end to end (docs/privacy.md,
 * "The response cache"): a canary in a cached request, sent with the official
 * OpenAI SDK through both workers under `wrangler dev`, is found in no local
 * file in plaintext while the account's limiter object holds the entry
 * (encrypted); DELETE /v1/cache and erasure remove it from the files; an
 * entry is never served after its expiry (its removal after expiry, by the
 * object's alarm, is tested with a moved clock in test/cache-store.test.ts). Shares the privacy scan of test/e2e/logging.e2e.ts
 * (local-state.ts).
 */
import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDecipheriv, hkdfSync } from "node:crypto";
import { cacheKey } from "../../src/cache/key.ts";
import { startE2EStack, type E2EStack } from "./e2e-stack.ts";
import { filesHolding, sqliteRows, stateFiles, type StateFile } from "./local-state.ts";

let e2e: E2EStack;
// A fresh master secret for this stack; restarts keep it, so entries stay readable.
const masterKey = randomBytes(32).toString("base64");

beforeAll(async () => {
  e2e = await startE2EStack("cache-privacy", { vars: { CACHE_MASTER_KEY: masterKey } });
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

type Row = { key_hash: string; created_at: number; expires_at: number; ciphertext: Uint8Array; iv: Uint8Array };

/** Every cache_entries row in the stack's storage (read with the stack stopped). */
async function cacheEntries(): Promise<Row[]> {
  const dbs = await sqliteRows(e2e.stateDir, "cache_entries", "key_hash, created_at, expires_at, ciphertext, iv");
  return dbs.flatMap((db) => db.rows as Row[]);
}

/**
 * Opens a sealed entry by the scheme docs/cache.md documents, written here
 * independently of src/cache/crypto.ts: AES-256-GCM under HKDF-SHA-256
 * (CACHE_MASTER_KEY; the account's salt as D1 holds it now; info "emby-router
 * response cache v1\n<account id>"), additional data "key_hash\ncreated_at\n
 * expires_at". The answer, or null (no salt, or not the one it was sealed under).
 */
async function openNow(row: Row): Promise<string | null> {
  const accounts = (await sqliteRows(e2e.stateDir, "accounts", "id, cache_salt")).flatMap((db) => db.rows);
  const salt = accounts.find((a) => a.id === e2e.accountId)?.cache_salt;
  if (typeof salt !== "string") return null;
  const key = Buffer.from(hkdfSync("sha256", Buffer.from(masterKey, "base64"), Buffer.from(salt, "hex"), `emby-router response cache v1\n${e2e.accountId}`, 32));
  const sealed = Buffer.from(row.ciphertext);
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(row.iv));
  decipher.setAAD(Buffer.from(`${row.key_hash}\n${row.created_at}\n${row.expires_at}`));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

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
    let sealed: Row | undefined;
    await e2e.restart(async () => {
      const files = stateFiles(e2e.stateDir);
      expect(limiterFiles(files).length, "the scan sees the limiter objects' storage").toBeGreaterThan(0);
      expect(filesHolding(files, canary)).toEqual([]);
      sealed = (await cacheEntries()).find((e) => hashes.includes(e.key_hash));
      expect(sealed, "the account's limiter holds the entry").toBeDefined();
      // The canary is there, only sealed: it opens with the operator's secret and the account's salt.
      expect(await openNow(sealed!)).toContain(canary);
    });

    // The entry outlived the restart: it is stored, not held in memory.
    expect((await ask(prompt, "600")).cache).toBe("hit");
    const purged = await fetch(`${e2e.stack.url}/v1/cache`, { method: "DELETE", headers: { authorization: `Bearer ${e2e.key}` } });
    expect(purged.status).toBe(200);
    expect(await purged.json()).toEqual({ object: "cache.purge", purged: true });
    // Gone from the storage, and any copy of its bytes (SQLite's write-ahead
    // log keeps old pages for a while) no longer opens: the salt was replaced.
    await e2e.restart(async () => {
      expect(filesHolding(stateFiles(e2e.stateDir), canary)).toEqual([]);
      expect(await cacheEntries()).toEqual([]);
      expect(await openNow(sealed!)).toBeNull();
    });
    expect((await ask(prompt, "600")).cache).toBe("miss");
  });

  it("never serves an entry after its expiry", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    const prompt = `${canary} fake:{"reply":"short-lived"}`;
    // A hit shows the entry was stored; it lives one second from its creation, before that hit.
    await askUntilHit(prompt, "1");
    await sleep(1_500);
    expect((await ask(prompt, "1")).cache).toBe("miss");
  });

  // Last: it erases the stack's account.
  it("holds nothing of an erased account: no entry, no canary", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    const prompt = `${canary} fake:{"reply":"${canary}"}`;
    const hit = (await askUntilHit(prompt, "600")).at(-1)!;
    const hashes = await Promise.all([false, true].map((euOnly) => cacheKey({ accountId: e2e.accountId, format: "openai-chat", body: hit.sent, euOnly })));
    let sealed: Row | undefined;
    await e2e.restart(async () => {
      sealed = (await cacheEntries()).find((e) => hashes.includes(e.key_hash));
    });
    expect(sealed, "the entry was stored").toBeDefined();
    const erased = await fetch(`${e2e.stack.url}/v1/account?erase=now`, { method: "DELETE", headers: { authorization: `Bearer ${e2e.key}` } });
    expect(erased.status).toBe(200);
    await e2e.restart(async () => {
      expect(filesHolding(stateFiles(e2e.stateDir), canary)).toEqual([]);
      expect(await cacheEntries()).toEqual([]);
      // The salt went with the account: no copy of the entry can be opened.
      expect(await openNow(sealed!)).toBeNull();
    });
  });
});
