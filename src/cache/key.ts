/**
 * The cache key: a SHA-256 of the canonical request, scoped to the account
 * (docs/cache.md, "Key"). Canonical means independent of JSON key order at any
 * depth; arrays keep their order (message order is meaning) and numbers are
 * written as JSON writes them, so `1.0` and `1` are one number.
 *
 * The whole request body is hashed, provider-specific parameters included
 * (`top_k`, `safe_prompt`, `reasoning_effort`, ...): a parameter the key left
 * out could serve a wrong answer. Only fields that change how the answer is
 * delivered, not what it is, are left out (TRANSPORT_FIELDS).
 */

/** The API a request came in through: the stored answer is in its shape. */
export type ApiFormat = "openai-chat" | "anthropic-messages";

/**
 * Body fields that do not change the answer: `stream` (a stream is replayed
 * from the complete answer, and a complete answer served to a non-stream
 * request) and `stream_options` (what the replay adds: the usage chunk).
 */
export const TRANSPORT_FIELDS = ["stream", "stream_options"] as const;

export interface CacheKeyInput {
  accountId: string;
  format: ApiFormat;
  /** The request body as parsed JSON, before validation (so no field a schema strips is lost). */
  body: unknown;
  /**
   * Whether routing was restricted to EU-hosted routes by the key or the
   * account (not by the body: `provider.data_region` is in the body). An
   * answer from a non-EU route is never served to a request that forbade one.
   */
  euOnly: boolean;
  /**
   * Request headers that change the answer, by name (/v1/messages:
   * `anthropic-version`, which changes what a request may ask, and the
   * `anthropic-beta` list, sorted: its order means nothing). Absent: none.
   */
  headers?: Readonly<Record<string, string>>;
}

/** The key's version: bumped when what is hashed changes, so old entries simply miss. */
const KEY_VERSION = "v1";

/** JSON with object keys sorted at every depth; `undefined` members dropped, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 hex of the account id and the canonical request. */
export async function cacheKey(input: CacheKeyInput): Promise<string> {
  const body = input.body !== null && typeof input.body === "object" && !Array.isArray(input.body) ? withoutTransport(input.body) : input.body;
  const canonical = canonicalJson({ format: input.format, eu_only: input.euOnly, body, ...(input.headers ? { headers: input.headers } : {}) });
  const bytes = new TextEncoder().encode(`${KEY_VERSION}\n${input.accountId}\n${canonical}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function withoutTransport(body: object): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...body };
  for (const field of TRANSPORT_FIELDS) delete rest[field];
  return rest;
}
