/** Key rotation: grace periods under a controlled clock, and the 90-day rotation reminder. */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearAuthCache } from "../src/router/auth-cache";
import { KEY_ROTATION_DUE_HEADER, KEY_ROTATION_DUE_MS } from "../src/shared/key-rotation";
import { createdKey, keysApi, models, type KeyBody } from "./helpers/keys";
import { call, chat, errorOf, newCustomer } from "./helpers/router";

beforeEach(() => clearAuthCache());
afterEach(() => vi.useRealTimers());

const DAY_S = 24 * 60 * 60;

async function rotate(key: string, id: string, body?: unknown) {
  const res = await keysApi(key, "POST", `/${id}/rotate`, body);
  return { res, body: res.status === 201 ? ((await res.json()) as KeyBody & { key: string }) : null };
}

async function expectStopped(key: string) {
  const res = await models(key);
  expect(res.status).toBe(401);
  expect((await errorOf(res)).code).toBe("expired_api_key");
}

describe("rotation", () => {
  it("returns a new key shown once with the old key's settings; both work during the grace period, only the new after", async () => {
    const start = Date.now();
    vi.setSystemTime(start);
    const { key: caller, keyId, accountId } = await newCustomer();
    const old = await createdKey(caller, { name: "svc", scopes: ["inference"], limits: { rpm: 30 }, models: ["openai/gpt-4o-mini"], data_region: "eu" });
    const { res, body: fresh } = await rotate(caller, old.id, { grace_period_seconds: 3600 });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(fresh).toMatchObject({ name: "svc", scopes: ["inference"], limits: { rpm: 30, tpm: null, concurrency: null }, models: ["openai/gpt-4o-mini"], data_region: "eu", expires_at: null, status: "active" });
    expect(fresh!.id).not.toBe(old.id);
    const oldView = (await (await keysApi(caller, "GET", `/${old.id}`)).json()) as KeyBody;
    expect(oldView).toMatchObject({ status: "active", replaced_by: fresh!.id, expires_at: new Date(start + 3600_000).toISOString() });

    // Inside the grace period: both keys.
    vi.setSystemTime(start + 3599_000);
    expect((await models(old.key)).status).toBe(200);
    expect((await models(fresh!.key)).status).toBe(200);
    // After it: only the new key, even with the old one still in this isolate's cache.
    vi.setSystemTime(start + 3600_000);
    await expectStopped(old.key);
    expect((await models(fresh!.key)).status).toBe(200);

    const audit = await env.DB.prepare("select actor, action, target, details from audit_log where account_id = ? and action in ('key.rotate', 'key.create') and target in (?, ?) order by rowid")
      .bind(accountId, old.id, fresh!.id)
      .all();
    expect(audit.results).toEqual([
      { actor: `key:${keyId}`, action: "key.create", target: old.id, details: null },
      { actor: `key:${keyId}`, action: "key.create", target: fresh!.id, details: JSON.stringify({ rotated_from: old.id }) },
      { actor: `key:${keyId}`, action: "key.rotate", target: old.id, details: JSON.stringify({ replaced_by: fresh!.id }) },
    ]);
  });

  it("defaults to a 24-hour grace period, with or without a body", async () => {
    const start = Date.now();
    vi.setSystemTime(start);
    const { key: caller } = await newCustomer();
    for (const body of [undefined, {}]) {
      const target = await createdKey(caller);
      expect((await rotate(caller, target.id, body)).res.status).toBe(201);
      const view = (await (await keysApi(caller, "GET", `/${target.id}`)).json()) as KeyBody;
      expect(view.expires_at).toBe(new Date(start + DAY_S * 1000).toISOString());
    }
  });

  it("with a grace period of 0 stops the old key at once, the caller's own key included", async () => {
    const { key: caller, keyId } = await newCustomer();
    expect((await models(caller)).status).toBe(200);
    const { res, body: fresh } = await rotate(caller, keyId, { grace_period_seconds: 0 });
    expect(res.status).toBe(201);
    await expectStopped(caller);
    expect((await keysApi(fresh!.key, "GET")).status).toBe(200);
  });

  it("never lengthens the old key's life: an earlier expiry stays", async () => {
    const { key: caller } = await newCustomer();
    const expires = new Date(Date.now() + 600_000).toISOString();
    const target = await createdKey(caller, { expires_at: expires });
    const { body: fresh } = await rotate(caller, target.id, { grace_period_seconds: 7 * DAY_S });
    expect(fresh!.expires_at).toBe(expires);
    const view = (await (await keysApi(caller, "GET", `/${target.id}`)).json()) as KeyBody;
    expect(view.expires_at).toBe(expires);
  });

  it("refuses to rotate a key already rotated out, a revoked or expired key (409), and a grace period outside 0..7 days (400)", async () => {
    const start = Date.now();
    vi.setSystemTime(start);
    const { key: caller } = await newCustomer();
    const target = await createdKey(caller);
    expect((await rotate(caller, target.id)).res.status).toBe(201);
    const again = await rotate(caller, target.id);
    expect(again.res.status).toBe(409);
    expect((await errorOf(again.res)).code).toBe("key_already_rotated");

    const revoked = await createdKey(caller);
    await keysApi(caller, "DELETE", `/${revoked.id}`);
    expect((await errorOf((await rotate(caller, revoked.id)).res)).code).toBe("key_revoked");

    const expiring = await createdKey(caller, { expires_at: new Date(start + 60_000).toISOString() });
    vi.setSystemTime(start + 60_000);
    expect((await errorOf((await rotate(caller, expiring.id)).res)).code).toBe("key_expired");

    for (const grace of [-1, 7 * DAY_S + 1, 1.5, "60"]) {
      const res = (await rotate(caller, (await createdKey(caller)).id, { grace_period_seconds: grace })).res;
      expect(res.status, String(grace)).toBe(400);
      expect((await errorOf(res)).param).toBe("grace_period_seconds");
    }
  });
});

describe("concurrent rotation", () => {
  it("lets exactly one of two racing rotations of a key through; the other is 409 and leaves no key behind", async () => {
    const { key: caller, accountId } = await newCustomer();
    const target = await createdKey(caller);
    const results = await Promise.all([rotate(caller, target.id), rotate(caller, target.id)]);
    expect(results.map((r) => r.res.status).sort()).toEqual([201, 409]);
    const winner = results.find((r) => r.res.status === 201)!.body!;
    const view = (await (await keysApi(caller, "GET", `/${target.id}`)).json()) as KeyBody;
    expect(view.replaced_by).toBe(winner.id);
    const count = await env.DB.prepare("select count(*) as n from api_keys where account_id = ?").bind(accountId).first<{ n: number }>();
    expect(count?.n).toBe(3);
    const rotations = await env.DB.prepare("select count(*) as n from audit_log where account_id = ? and action = 'key.rotate'").bind(accountId).first<{ n: number }>();
    expect(rotations?.n).toBe(1);
  });
});

describe("rotation due after 90 days", () => {
  /** Moves a key's creation back in D1 and forgets what this isolate cached. */
  async function age(keyId: string, ms: number): Promise<number> {
    const createdAt = Date.now() - ms;
    await env.DB.prepare("update api_keys set created_at = ? where id = ?").bind(createdAt, keyId).run();
    clearAuthCache();
    return createdAt;
  }

  it("flags an active key older than 90 days in the listing, and not a younger, revoked or rotated-out one", async () => {
    const { key: caller, keyId } = await newCustomer();
    const young = await createdKey(caller);
    const revoked = await createdKey(caller);
    const rotatedOut = await createdKey(caller);
    await keysApi(caller, "DELETE", `/${revoked.id}`);
    await rotate(caller, rotatedOut.id);
    await age(keyId, KEY_ROTATION_DUE_MS + 1000);
    await age(young.id, KEY_ROTATION_DUE_MS - 60_000);
    await age(revoked.id, KEY_ROTATION_DUE_MS + 1000);
    await age(rotatedOut.id, KEY_ROTATION_DUE_MS + 1000);
    const { data } = (await (await keysApi(caller, "GET")).json()) as { data: KeyBody[] };
    const due = Object.fromEntries(data.map((k) => [k.id, k.rotation_due]));
    expect(due).toMatchObject({ [keyId]: true, [young.id]: false, [revoked.id]: false, [rotatedOut.id]: false });
  });

  it("sends the header with the date it became due on inference responses, success and error alike", async () => {
    const { key, keyId } = await newCustomer();
    expect((await chat(key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })).headers.get(KEY_ROTATION_DUE_HEADER)).toBeNull();
    const createdAt = await age(keyId, KEY_ROTATION_DUE_MS + 5000);
    const dueAt = new Date(createdAt + KEY_ROTATION_DUE_MS).toISOString();

    const ok = await chat(key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(ok.status).toBe(200);
    expect(ok.headers.get(KEY_ROTATION_DUE_HEADER)).toBe(dueAt);
    const unknownModel = await chat(key, { model: "nope/none", messages: [{ role: "user", content: "hi" }] });
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.headers.get(KEY_ROTATION_DUE_HEADER)).toBe(dueAt);
    const messages = await call("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({ model: "nope/none", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(messages.status).toBe(404);
    expect(messages.headers.get(KEY_ROTATION_DUE_HEADER)).toBe(dueAt);
    // Rotating it away ends the reminder for the new key.
    const { body: fresh } = await rotate(key, keyId);
    expect((await models(fresh!.key)).headers.get(KEY_ROTATION_DUE_HEADER)).toBeNull();
  });
});
