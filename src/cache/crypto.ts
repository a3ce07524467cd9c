/**
 * Sealing cached answers (docs/cache.md, "Encryption"): AES-256-GCM with a
 * per-account data key derived by HKDF-SHA-256 from the operator secret
 * CACHE_MASTER_KEY and the account's random cache salt (kept in its accounts
 * row). Erasing the salt makes every entry of the account unreadable at once,
 * before the object has deleted them. The object only ever sees ciphertext.
 *
 * The additional authenticated data binds the key hash and both times, so an
 * entry cannot be moved to another key, nor its expiry extended or its age
 * changed, without failing to open.
 */
import type { CacheEntry } from "./store";

/** HKDF `info`: names this use, so the master key could serve another one without the keys meeting. */
const INFO = "emby-router response cache v1";
const MASTER_KEY_MIN_BYTES = 32;
const SALT_BYTES = 32;

const encoder = new TextEncoder();

/**
 * A fresh random cache salt for an account: 32 bytes as lower-case hex, the
 * form the migration's backfill (`lower(hex(randomblob(32)))`) also writes.
 */
export function newCacheSalt(): string {
  return [...crypto.getRandomValues(new Uint8Array(SALT_BYTES))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The account's data key. `masterKey` is CACHE_MASTER_KEY: base64 of at
 * least 32 random bytes (`openssl rand -base64 32`); anything shorter throws.
 */
export async function accountCacheKey(masterKey: string, salt: string, accountId: string): Promise<CryptoKey> {
  const secret = fromBase64(masterKey);
  if (secret.byteLength < MASTER_KEY_MIN_BYTES) throw new Error(`CACHE_MASTER_KEY must be base64 of at least ${MASTER_KEY_MIN_BYTES} bytes`);
  const base = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: fromHex(salt), info: encoder.encode(`${INFO}\n${accountId}`) },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Encrypts an answer into an entry for `keyHash`, living from `createdAt` to `expiresAt` (ms). */
export async function sealEntry(key: CryptoKey, plaintext: string, at: Omit<CacheEntry, "ciphertext" | "iv">): Promise<CacheEntry> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(at) }, key, encoder.encode(plaintext));
  return { ...at, ciphertext, iv: iv.buffer };
}

/** Decrypts an entry; null when it does not open (another account's key or salt, or anything in it changed). */
export async function openEntry(key: CryptoKey, entry: CacheEntry): Promise<string | null> {
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: entry.iv, additionalData: aad(entry) }, key, entry.ciphertext);
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

function aad(entry: Pick<CacheEntry, "keyHash" | "createdAt" | "expiresAt">): Uint8Array {
  return encoder.encode(`${entry.keyHash}\n${entry.createdAt}\n${entry.expiresAt}`);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})+$/.test(text)) throw new Error("cache salt must be lower-case hex");
  return Uint8Array.from(text.match(/../g)!, (byte) => parseInt(byte, 16));
}
