/**
 * The console's keys pages, against the real router: a key made in the
 * console works on /v1, a key revoked or rotated out there is refused, an
 * edit narrows, and a session reaches only its own account's keys.
 */
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog } from "../src/db/schema";
import { coreDb } from "../src/db/client";
import { listKeys } from "../src/db/keys";
import { KEY_ROTATION_DUE_MS } from "../src/shared/key-rotation";
import { CONSOLE_ORIGIN, consoleFetch, signedInClient, type ConsoleClient } from "./helpers/console";
import { chat, errorOf, newCustomer } from "./helpers/router";

const mistral = "mistral/mistral-small-latest";
const hi = (key: string, model = mistral) => chat(key, { model, messages: [{ role: "user", content: "hi" }] });
const shownKey = (html: string) => /<code id="new-key" data-testid="new-key">(emby_sk_[A-Za-z0-9]{38})<\/code>/.exec(html)?.[1] ?? null;

async function keyNamed(accountId: string, name: string) {
  const key = (await listKeys(coreDb(env.DB), accountId)).find((k) => k.name === name && k.replacedBy === null);
  if (!key) throw new Error(`no key named ${name}`);
  return key;
}

/** A form post from the console's page whose fields may repeat (the model checkboxes). */
function postForm(client: ConsoleClient, path: string, form: Record<string, string | string[]>) {
  const body = new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((item) => [k, item])));
  body.set("_csrf", client.csrf!);
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  return consoleFetch(path, { method: "POST", headers: { cookie, origin: CONSOLE_ORIGIN, "content-type": "application/x-www-form-urlencoded" }, body, redirect: "manual" });
}

/** Creates a key through the console's form; returns the page and the key it shows. */
async function createInConsole(client: ConsoleClient, form: Record<string, string | string[]>) {
  const res = await postForm(client, "/keys", form);
  const html = await res.text();
  return { res, html, key: shownKey(html) };
}

describe("creating a key", () => {
  it("shows the new key once, on the POST's own no-store answer, and it works against the router", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const { res, html, key } = await createInConsole(client, { name: "console-made" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(key).not.toBeNull();
    expect(html).toContain('data-copy="new-key"');
    expect(html).toContain('src="/assets/copy.js"');
    expect((await hi(key!)).status).toBe(200);

    const list = await (await client.get("/keys")).text();
    expect(list).toContain("console-made");
    expect(shownKey(list)).toBeNull();
    expect(list).not.toContain(key!);
    const record = await keyNamed(accountId, "console-made");
    expect(record.scopes).toEqual(["inference"]);
    const [audit] = await coreDb(env.DB).select().from(auditLog).where(eq(auditLog.target, record.id));
    expect(audit).toMatchObject({ action: "key.create", actor: expect.stringMatching(/^session:[0-9a-f]{12}$/) });
  });

  it("stores the chosen limits, models, EU-only and expiry, and the router holds the key to them", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const { key } = await createInConsole(client, { name: "narrow", rpm: "7", concurrency: "2", models: [mistral, "openai/gpt-4o-mini"], eu_only: "1", expires: tomorrow, manage: "1" });
    const record = await keyNamed(accountId, "narrow");
    expect(record).toMatchObject({ rpmLimit: 7, tpmLimit: null, concurrencyLimit: 2, dataRegion: "eu", scopes: ["inference", "manage"] });
    expect(record.allowedModels).toEqual([mistral, "openai/gpt-4o-mini"]);
    expect(record.expiresAt).toBe(Date.parse(`${tomorrow}T00:00:00Z`) + 86_400_000);
    const refused = await hi(key!, "anthropic/claude-haiku-4-5");
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("model_not_allowed");
  });

  it("re-renders a bad form with 400, the message next to the field and the values typed, and creates nothing", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const before = (await listKeys(coreDb(env.DB), accountId)).length;
    const { res, html, key } = await createInConsole(client, { name: "typo", rpm: "ten" });
    expect(res.status).toBe(400);
    expect(key).toBeNull();
    expect(html).toMatch(/<input id="create-rpm" name="rpm" type="text" value="ten"[^>]*aria-describedby="create-rpm-hint create-rpm-error" aria-invalid="true"/);
    expect(html).toContain('<p class="field-error" id="create-rpm-error">Enter a whole number above 0');
    expect(html).toContain('value="typo"');
    expect((await createInConsole(client, { name: "" })).html).toContain('id="create-name-error"');
    expect((await listKeys(coreDb(env.DB), accountId)).length).toBe(before);
  });

  it("refuses a form post without the CSRF token with 403 and creates nothing", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const res = await client.post("/keys", { name: "forged" }, { csrf: null });
    expect(res.status).toBe(403);
    expect((await listKeys(coreDb(env.DB), accountId)).some((k) => k.name === "forged")).toBe(false);
  });
});

describe("revoking, rotating and editing", () => {
  it("revokes a key: the router refuses it with 401, even from a warm auth cache", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const { key } = await createInConsole(client, { name: "to-revoke" });
    expect((await hi(key!)).status).toBe(200); // now in the router's auth cache
    const { id } = await keyNamed(accountId, "to-revoke");
    const res = await client.post(`/keys/${id}/revoke`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/keys?revoked=1");
    const refused = await hi(key!);
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).code).toBe("revoked_api_key");
    expect(await keyNamed(accountId, "to-revoke")).toMatchObject({ status: "revoked", revokedReason: "customer" });
  });

  it("rotates from the list with the default grace: both keys work and the page says when the old one stops", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const { key: oldKey } = await createInConsole(client, { name: "to-rotate", rpm: "9" });
    const old = await keyNamed(accountId, "to-rotate");
    const res = await client.post(`/keys/${old.id}/rotate`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const newKey = shownKey(html);
    expect(newKey).not.toBe(oldKey);
    const stopsAt = (await listKeys(coreDb(env.DB), accountId)).find((k) => k.id === old.id)!.expiresAt!;
    expect(stopsAt - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(html).toContain(`keeps working until <time datetime="${new Date(stopsAt).toISOString()}">`);
    expect((await hi(newKey!)).status).toBe(200);
    expect((await hi(oldKey!)).status).toBe(200);
    expect((await keyNamed(accountId, "to-rotate")).rpmLimit).toBe(9);
  });

  it("rotates with no grace from the key's page: the old key is refused at once", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const { key: oldKey } = await createInConsole(client, { name: "rotate-now" });
    expect((await hi(oldKey!)).status).toBe(200);
    const { id } = await keyNamed(accountId, "rotate-now");
    await client.get(`/keys/${id}`);
    const html = await (await client.post(`/keys/${id}/rotate`, { grace: "0" })).text();
    expect(html).toContain("has stopped working");
    expect((await hi(oldKey!)).status).toBe(401);
    expect((await hi(shownKey(html)!)).status).toBe(200);
  });

  it("narrows a key's limits and models from its edit page, and refuses to widen them with 400", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    await createInConsole(client, { name: "edit-me", rpm: "100" });
    const { id } = await keyNamed(accountId, "edit-me");
    const page = await (await client.get(`/keys/${id}`)).text();
    expect(page).toContain('value="100"');
    const saved = await postForm(client, `/keys/${id}`, { name: "edit-me", rpm: "5", models: [mistral] });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`/keys/${id}?saved=1`);
    expect(await keyNamed(accountId, "edit-me")).toMatchObject({ rpmLimit: 5, allowedModels: [mistral] });
    const [update] = await coreDb(env.DB).select().from(auditLog).where(and(eq(auditLog.action, "key.update"), eq(auditLog.target, id)));
    expect(update?.details).toEqual({ fields: ["limits.rpm", "models"] });

    const widened = await postForm(client, `/keys/${id}`, { name: "edit-me", rpm: "", models: [mistral] });
    expect(widened.status).toBe(400);
    expect(await widened.text()).toContain('<p class="field-error" id="edit-rpm-error">An existing key can only be made stricter');
    expect((await keyNamed(accountId, "edit-me")).rpmLimit).toBe(5);
  });

  it("flags a key older than 90 days as due for rotation", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    await createInConsole(client, { name: "old-key" });
    const { id } = await keyNamed(accountId, "old-key");
    const createdAt = Date.now() - KEY_ROTATION_DUE_MS - 86_400_000;
    await env.DB.prepare("update api_keys set created_at = ? where id = ?").bind(createdAt, id).run();
    const html = await (await client.get("/keys")).text();
    expect(html).toContain(`Rotation due since <time datetime="${new Date(createdAt + KEY_ROTATION_DUE_MS).toISOString()}">`);
  });
});

describe("another account's key", () => {
  it("is a 404 page to view, edit, rotate or revoke, and stays untouched", async () => {
    const victim = await newCustomer();
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    await client.get("/keys");
    expect((await client.get(`/keys/${victim.keyId}`)).status).toBe(404);
    expect((await client.post(`/keys/${victim.keyId}`, { name: "mine now", rpm: "1" })).status).toBe(404);
    expect((await client.post(`/keys/${victim.keyId}/rotate`)).status).toBe(404);
    const revoke = await client.post(`/keys/${victim.keyId}/revoke`);
    expect(revoke.status).toBe(404);
    expect(await revoke.text()).toContain("No such API key.");
    expect((await hi(victim.key)).status).toBe(200);
    expect((await listKeys(coreDb(env.DB), victim.accountId)).map((k) => [k.status, k.rpmLimit, k.replacedBy])).toEqual([["active", null, null]]);
  });
});
