/**
 * The secret scanning partner endpoint against the fake's GitHub keys
 * (test/fake-upstream/github-keys.ts): signature checks, revocation of a
 * reported live key, the labels GitHub gets back, and the key cache.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { generateApiKey } from "../src/shared/api-key";
import { sha256Hex } from "../src/shared/crypto";
import { forgetSigningKeys, KEYS_TTL_MS, REFETCH_MIN_INTERVAL_MS } from "../src/router/secret-scanning/signing-keys";
import { MAX_REPORT_BYTES } from "../src/router/routes/secret-scanning";
import { call, errorOf, newCustomer } from "./helpers/router";

const TYPE = "emby_api_key";

interface Signed {
  key_identifier: string;
  signature: string;
}

/** GitHub's signature over `body` with one of the fake's keys ("current", "previous" or an identifier). */
async function sign(body: string, key = "current"): Promise<Signed> {
  const res = await fetch(`${env.FAKE_UPSTREAM_URL}/github/__sign?key=${encodeURIComponent(key)}`, { method: "POST", body });
  return (await res.json()) as Signed;
}

function post(body: string, headers: Record<string, string>): Promise<Response> {
  return call("/v1/secret-scanning/report", { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

async function report(matches: unknown[], key = "current"): Promise<Response> {
  const body = JSON.stringify(matches);
  const signed = await sign(body, key);
  return post(body, { "github-public-key-identifier": signed.key_identifier, "github-public-key-signature": signed.signature });
}

const match = (token: string, source = "commit") => ({ token, type: TYPE, url: "https://github.com/octocat/hello/blob/abc/config.js", source });

const keysFetched = async (): Promise<number> => ((await (await fetch(`${env.FAKE_UPSTREAM_URL}/github/__stats`)).json()) as { fetches: number }).fetches;

const models = (key: string) => call("/v1/models", { headers: { authorization: `Bearer ${key}` } });

async function keyRow(keyId: string) {
  return env.DB.prepare("select status, revoked_reason, revoked_at from api_keys where id = ?").bind(keyId).first<{ status: string; revoked_reason: string | null; revoked_at: number | null }>();
}

async function auditRows(accountId: string) {
  const { results } = await env.DB.prepare("select actor, action, target, details from audit_log where account_id = ? and action = 'key.revoke'")
    .bind(accountId)
    .all<{ actor: string; action: string; target: string; details: string }>();
  return results;
}

beforeEach(() => forgetSigningKeys());
afterEach(() => vi.useRealTimers());

describe("POST /v1/secret-scanning/report: signatures", () => {
  it("refuses a report without the signature headers (401), revoking nothing", async () => {
    const { key, keyId } = await newCustomer();
    const res = await post(JSON.stringify([match(key)]), {});
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("missing_signature");
    expect((await keyRow(keyId))?.status).toBe("active");
  });

  it("refuses a bad signature (another body's) with 401, revoking nothing", async () => {
    const { key, keyId } = await newCustomer();
    const body = JSON.stringify([match(key)]);
    const signed = await sign(JSON.stringify([match(generateApiKey())]));
    const res = await post(body, { "github-public-key-identifier": signed.key_identifier, "github-public-key-signature": signed.signature });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("invalid_signature");
    expect((await keyRow(keyId))?.status).toBe("active");
    expect((await models(key)).status).toBe(200);
  });

  it("refuses a signature that is not DER or not base64 with 401", async () => {
    const { key } = await newCustomer();
    const body = JSON.stringify([match(key)]);
    const { key_identifier } = await sign(body);
    for (const signature of ["not base64!", btoa("x".repeat(70))]) {
      const res = await post(body, { "github-public-key-identifier": key_identifier, "github-public-key-signature": signature });
      expect(res.status).toBe(401);
    }
  });

  it("refuses an unknown key identifier with 401, revoking nothing", async () => {
    const { key, keyId } = await newCustomer();
    const body = JSON.stringify([match(key)]);
    const { signature } = await sign(body);
    const res = await post(body, { "github-public-key-identifier": "0".repeat(64), "github-public-key-signature": signature });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("unknown_signing_key");
    expect((await keyRow(keyId))?.status).toBe("active");
  });

  it("accepts a signature by a key GitHub still lists but no longer calls current (rotation)", async () => {
    const res = await report([match(generateApiKey())], "previous");
    expect(res.status).toBe(200);
  });
});

describe("POST /v1/secret-scanning/report: revocation and labels", () => {
  it("revokes a reported live key at once, audits it with its source, and labels every token by hash", async () => {
    const leaked = await newCustomer();
    const other = await newCustomer();
    expect((await models(leaked.key)).status).toBe(200); // warm this isolate's auth cache
    const forged = generateApiKey(); // valid checksum, no such key
    const matches = [match(leaked.key, "Commit"), match(forged), match("emby_sk_not-a-key"), match(leaked.key, "content")];

    const res = await report(matches);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    expect(text).not.toContain(leaked.key);
    expect(JSON.parse(text)).toEqual([
      { token_hash: await sha256Hex(leaked.key), token_type: TYPE, label: "true_positive" },
      { token_hash: await sha256Hex(forged), token_type: TYPE, label: "false_positive" },
      { token_hash: await sha256Hex("emby_sk_not-a-key"), token_type: TYPE, label: "false_positive" },
      { token_hash: await sha256Hex(leaked.key), token_type: TYPE, label: "true_positive" },
    ]);

    const row = await keyRow(leaked.keyId);
    expect(row).toMatchObject({ status: "revoked", revoked_reason: "leaked:commit" });
    const refused = await models(leaked.key);
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).code).toBe("revoked_api_key");
    expect((await models(other.key)).status).toBe(200);

    const audit = await auditRows(leaked.accountId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "secret-scanning:commit", action: "key.revoke", target: leaked.keyId });
    const details = JSON.parse(audit[0]!.details) as Record<string, unknown>;
    expect(details).toEqual({
      reason: "leaked:commit",
      source: "commit",
      token_type: TYPE,
      url_host: "github.com",
      url_sha256: await sha256Hex(matches[0]!.url),
    });
    expect(audit[0]!.details).not.toContain("octocat");
  });

  it("labels an already revoked key a true positive and leaves its revocation as it was", async () => {
    const { key, keyId, accountId } = await newCustomer();
    expect((await report([match(key)])).status).toBe(200);
    const first = await keyRow(keyId);

    const again = await report([match(key, "npm")]);
    expect(((await again.json()) as { label: string }[])[0]!.label).toBe("true_positive");
    expect(await keyRow(keyId)).toEqual(first);
    expect(await auditRows(accountId)).toHaveLength(1);
  });

  it("refuses a body over MAX_REPORT_BYTES with 413 before checking anything else", async () => {
    const body = JSON.stringify([{ ...match(generateApiKey()), url: "x".repeat(MAX_REPORT_BYTES) }]);
    const signed = await sign("[]");
    const res = await post(body, { "github-public-key-identifier": signed.key_identifier, "github-public-key-signature": signed.signature });
    expect(res.status).toBe(413);
  });

  it("refuses a body that is not GitHub's format with 400 once the signature holds", async () => {
    const res = await report([{ token: 42 }]);
    expect(res.status).toBe(400);
  });
});

describe("POST /v1/secret-scanning/report: GitHub's keys", () => {
  it("fetches the keys once for many reports", async () => {
    const before = await keysFetched();
    for (let i = 0; i < 3; i++) expect((await report([match(generateApiKey())])).status).toBe(200);
    expect((await keysFetched()) - before).toBe(1);
  });

  it("fetches them again once they are KEYS_TTL_MS old", async () => {
    expect((await report([match(generateApiKey())])).status).toBe(200);
    const fetched = await keysFetched();
    vi.setSystemTime(Date.now() + KEYS_TTL_MS - 1000);
    expect((await report([match(generateApiKey())])).status).toBe(200);
    expect(await keysFetched()).toBe(fetched);
    vi.setSystemTime(Date.now() + 1000);
    expect((await report([match(generateApiKey())])).status).toBe(200);
    expect(await keysFetched()).toBe(fetched + 1);
  });

  it("refetches on a new key identifier (GitHub rotated), at most once per interval", async () => {
    expect((await report([match(generateApiKey())])).status).toBe(200);
    const fetched = await keysFetched();
    const rotated = await (await fetch(`${env.FAKE_UPSTREAM_URL}/github/__rotate`, { method: "POST" })).json<{ key_identifier: string }>();

    // Within the interval of the last fetch, an identifier the cache lacks is refused unfetched.
    expect((await report([match(generateApiKey())], rotated.key_identifier)).status).toBe(401);
    expect(await keysFetched()).toBe(fetched);

    vi.setSystemTime(Date.now() + REFETCH_MIN_INTERVAL_MS);
    expect((await report([match(generateApiKey())], rotated.key_identifier)).status).toBe(200);
    expect(await keysFetched()).toBe(fetched + 1);

    // Forged identifiers right after cost no fetch.
    const body = JSON.stringify([match(generateApiKey())]);
    const { signature } = await sign(body);
    expect((await post(body, { "github-public-key-identifier": "f".repeat(64), "github-public-key-signature": signature })).status).toBe(401);
    expect(await keysFetched()).toBe(fetched + 1);
  });
});
