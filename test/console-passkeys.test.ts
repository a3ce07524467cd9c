/**
 * Passkeys: adding one on the security page and signing in with it, with
 * real WebAuthn responses from a software authenticator (helpers/webauthn.ts)
 * verified by the console as a browser's would be.
 */
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { closeAccount } from "../src/db/accounts";
import { coreDb } from "../src/db/client";
import { eraseAccountEverywhere, erasureDbs } from "../src/db/erasure";
import { auditLog, passkeys, webauthnChallenges } from "../src/db/schema";
import { ConsoleClient, signedInClient } from "./helpers/console";
import { newCustomer } from "./helpers/router";
import { b64url, SoftAuthenticator } from "./helpers/webauthn";

const db = coreDb(env.DB);

interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string };
  excludeCredentials: { id: string }[];
  authenticatorSelection: { residentKey: string; userVerification: string };
}
interface RequestOptions {
  challenge: string;
  rpId: string;
  allowCredentials?: unknown[];
}

/** Adds a passkey named `name` through the console, as passkeys.js does. */
async function addPasskey(client: ConsoleClient, authenticator: SoftAuthenticator, name = "Laptop", origin?: string): Promise<Response> {
  const options = await client.postJson("/security/passkeys/options", {});
  expect(options.status).toBe(200);
  const response = await authenticator.register((await options.json()) as CreationOptions, { origin });
  return client.postJson("/security/passkeys", { name, response });
}

async function signInOptions(client: ConsoleClient): Promise<RequestOptions> {
  const res = await client.postJson("/sign-in/passkey/options", {});
  expect(res.status).toBe(200);
  return (await res.json()) as RequestOptions;
}

async function customerWithPasskey() {
  const { accountId } = await newCustomer();
  const authenticator = await SoftAuthenticator.create();
  const res = await addPasskey(await signedInClient(accountId), authenticator);
  expect(res.status, await res.clone().text()).toBe(200);
  return { accountId, authenticator };
}

const passkeysOf = (accountId: string) => db.select().from(passkeys).where(eq(passkeys.accountId, accountId));
const auditActions = async (accountId: string) => (await db.select().from(auditLog).where(eq(auditLog.accountId, accountId))).map((r) => r.action);

describe("adding a passkey", () => {
  it("offers discoverable-credential options for the console's rp, with a user id that is neither the account id nor the email", async () => {
    const { accountId, authenticator } = await customerWithPasskey();
    const client = await signedInClient(accountId);
    const res = await client.postJson("/security/passkeys/options", {});
    const options = (await res.json()) as CreationOptions;
    expect(options.rp).toEqual({ id: "console.test", name: "Emby Router" });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    const sha = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accountId)));
    expect(options.user.id).toBe(b64url(sha));
    // The passkey already added is excluded, so one authenticator is not registered twice.
    expect(options.excludeCredentials.map((c) => c.id)).toEqual([authenticator.id]);
    const [challenge] = await db.select().from(webauthnChallenges).where(eq(webauthnChallenges.challenge, options.challenge));
    expect(challenge).toMatchObject({ purpose: "register", accountId });
  });

  it("stores the verified passkey, lists it on the security page and audits it", async () => {
    const { accountId, authenticator } = await customerWithPasskey();
    const [stored] = await passkeysOf(accountId);
    expect(stored).toMatchObject({ id: authenticator.id, name: "Laptop", counter: 0, transports: ["internal"], lastUsedAt: null });
    const html = await (await (await signedInClient(accountId)).get("/security")).text();
    expect(html).toContain('<th scope="row">Laptop</th>');
    expect(html).toContain("Add a passkey");
    expect(html).toContain('src="/assets/passkeys.js"');
    expect(await auditActions(accountId)).toContain("passkey.add");
  });

  it("refuses a registration made for another origin, and spends its challenge", async () => {
    const { accountId } = await newCustomer();
    const res = await addPasskey(await signedInClient(accountId), await SoftAuthenticator.create(), "Phish", "https://console.evil.test");
    expect(res.status).toBe(400);
    expect(await passkeysOf(accountId)).toEqual([]);
    expect(await db.select().from(webauthnChallenges).where(eq(webauthnChallenges.accountId, accountId))).toEqual([]);
  });

  it("refuses a registration answering another account's challenge", async () => {
    const { accountId } = await newCustomer();
    const other = await newCustomer();
    const options = (await (await (await signedInClient(other.accountId)).postJson("/security/passkeys/options", {})).json()) as CreationOptions;
    const response = await (await SoftAuthenticator.create()).register(options);
    const res = await (await signedInClient(accountId)).postJson("/security/passkeys", { name: "Stolen", response });
    expect(res.status).toBe(400);
    expect(await passkeysOf(accountId)).toEqual([]);
  });

  it("refuses a credential registered already, to this or another account", async () => {
    const { authenticator } = await customerWithPasskey();
    const other = await newCustomer();
    const res = await addPasskey(await signedInClient(other.accountId), authenticator, "Same key");
    expect(res.status).toBe(400);
    expect(await passkeysOf(other.accountId)).toEqual([]);
  });

  it("refuses the options and the registration without the session's CSRF token or from another origin", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    expect((await client.postJson("/security/passkeys/options", {}, { csrf: null })).status).toBe(403);
    expect((await client.postJson("/security/passkeys/options", {}, { origin: "https://evil.test" })).status).toBe(403);
    expect((await client.postJson("/security/passkeys", {}, { csrf: null })).status).toBe(403);
  });
});

describe("removing a passkey", () => {
  it("removes the account's own passkey and audits it", async () => {
    const { accountId, authenticator } = await customerWithPasskey();
    const res = await (await signedInClient(accountId)).post(`/security/passkeys/${authenticator.id}/remove`);
    expect(res.status).toBe(303);
    expect(await passkeysOf(accountId)).toEqual([]);
    expect(await auditActions(accountId)).toContain("passkey.remove");
  });

  it("answers 404 for another account's passkey and leaves it", async () => {
    const { accountId, authenticator } = await customerWithPasskey();
    const other = await newCustomer();
    const res = await (await signedInClient(other.accountId)).post(`/security/passkeys/${authenticator.id}/remove`);
    expect(res.status).toBe(404);
    expect(await passkeysOf(accountId)).toHaveLength(1);
  });
});

describe("signing in with a passkey", () => {
  it("shows the passkey button on the sign-in page, hidden until the script finds WebAuthn", async () => {
    const html = await (await new ConsoleClient().get("/sign-in")).text();
    expect(html).toMatch(/<div class="passkey-sign-in" data-passkey-sign-in="true" hidden="">/);
    expect(html).toContain("Sign in with a passkey");
    expect(html).toContain("Email me a sign-in link");
  });

  it("signs in with a registered passkey: a session, the counter and last use recorded, the method audited", async () => {
    const { accountId, authenticator } = await customerWithPasskey();
    const browser = new ConsoleClient();
    const options = await signInOptions(browser);
    expect(options.rpId).toBe("console.test");
    expect(options.allowCredentials ?? []).toEqual([]);
    const res = await browser.postJson("/sign-in/passkey", { response: await authenticator.assert(options) });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ redirect: "/" });
    expect(browser.cookies.has("__Host-emby_session")).toBe(true);
    const page = await browser.get("/security");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<th scope="row">Laptop</th>');
    const [stored] = await passkeysOf(accountId);
    expect(stored!.counter).toBe(1);
    expect(stored!.lastUsedAt).not.toBeNull();
    const [start] = await db.select().from(auditLog).where(and(eq(auditLog.accountId, accountId), eq(auditLog.action, "session.start")));
    expect(start!.details).toEqual({ method: "passkey" });
  });

  it("refuses a replayed challenge, even with a fresh signature", async () => {
    const { authenticator } = await customerWithPasskey();
    const browser = new ConsoleClient();
    const options = await signInOptions(browser);
    expect((await browser.postJson("/sign-in/passkey", { response: await authenticator.assert(options) })).status).toBe(200);
    const replay = new ConsoleClient();
    const res = await replay.postJson("/sign-in/passkey", { response: await authenticator.assert(options) });
    expect(res.status).toBe(400);
    expect(replay.cookies.has("__Host-emby_session")).toBe(false);
  });

  it("refuses an assertion made for another origin", async () => {
    const { authenticator } = await customerWithPasskey();
    const browser = new ConsoleClient();
    const options = await signInOptions(browser);
    const res = await browser.postJson("/sign-in/passkey", { response: await authenticator.assert(options, { origin: "https://console.evil.test" }) });
    expect(res.status).toBe(400);
    expect(browser.cookies.has("__Host-emby_session")).toBe(false);
  });

  it("refuses an assertion signed by another key under a registered credential id", async () => {
    const { authenticator } = await customerWithPasskey();
    const impostor = await SoftAuthenticator.create();
    impostor.credentialId.set(authenticator.credentialId);
    const browser = new ConsoleClient();
    const res = await browser.postJson("/sign-in/passkey", { response: await impostor.assert(await signInOptions(browser)) });
    expect(res.status).toBe(400);
    expect(browser.cookies.has("__Host-emby_session")).toBe(false);
  });

  it("refuses an assertion naming another user than the passkey's account", async () => {
    const { authenticator } = await customerWithPasskey();
    const browser = new ConsoleClient();
    const options = await signInOptions(browser);
    const res = await browser.postJson("/sign-in/passkey", { response: await authenticator.assert(options, { userHandle: b64url(new Uint8Array(32)) }) });
    expect(res.status).toBe(400);
    expect(browser.cookies.has("__Host-emby_session")).toBe(false);
  });

  it("refuses the passkey of a closed account", async () => {
    const { accountId, authenticator } = await customerWithPasskey();
    await closeAccount(db, accountId, Date.now(), "admin");
    const browser = new ConsoleClient();
    const res = await browser.postJson("/sign-in/passkey", { response: await authenticator.assert(await signInOptions(browser)) });
    expect(res.status).toBe(403);
    expect(browser.cookies.has("__Host-emby_session")).toBe(false);
  });

  it("refuses the options and the sign-in from another origin or with none", async () => {
    const browser = new ConsoleClient();
    expect((await browser.postJson("/sign-in/passkey/options", {}, { origin: "https://evil.test" })).status).toBe(403);
    expect((await browser.postJson("/sign-in/passkey/options", {}, { origin: null })).status).toBe(403);
    expect((await browser.postJson("/sign-in/passkey", {}, { origin: "https://evil.test" })).status).toBe(403);
  });
});

it("erasure deletes the account's passkeys and challenges", async () => {
  const { accountId } = await customerWithPasskey();
  await (await signedInClient(accountId)).postJson("/security/passkeys/options", {});
  await eraseAccountEverywhere(erasureDbs(env), accountId, Date.now(), { chunkRows: 100, maxChunks: 1 });
  expect(await passkeysOf(accountId)).toEqual([]);
  expect(await db.select().from(webauthnChallenges).where(eq(webauthnChallenges.accountId, accountId))).toEqual([]);
});
