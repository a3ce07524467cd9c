/**
 * What keeps passkey sign-in from being abused: the challenge is bound to
 * the browser that asked for it (a `__Host-emby_webauthn` cookie whose nonce
 * is stored only as its SHA-256), unexpired sign-in challenges are capped,
 * and the authenticator must verify its user, at registration and sign-in.
 */
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { SIGN_IN_CHALLENGE_CAP } from "../src/console/auth/passkeys";
import { coreDb } from "../src/db/client";
import { passkeys, webauthnChallenges } from "../src/db/schema";
import { sha256Hex } from "../src/shared/crypto";
import { ConsoleClient, signedInClient } from "./helpers/console";
import { newCustomer } from "./helpers/router";
import { SoftAuthenticator, type Ceremony } from "./helpers/webauthn";

const db = coreDb(env.DB);
const COOKIE = "__Host-emby_webauthn";

type CreationOptions = Parameters<SoftAuthenticator["register"]>[0] & { authenticatorSelection: { userVerification: string } };
type RequestOptions = { challenge: string; rpId: string; userVerification: string };

async function register(accountId: string, authenticator: SoftAuthenticator, ceremony: Ceremony = {}): Promise<Response> {
  const client = await signedInClient(accountId);
  const options = (await (await client.postJson("/security/passkeys/options", {})).json()) as CreationOptions;
  expect(options.authenticatorSelection.userVerification).toBe("required");
  return client.postJson("/security/passkeys", { name: "Key", response: await authenticator.register(options, ceremony) });
}

async function withPasskey() {
  const { accountId } = await newCustomer();
  const authenticator = await SoftAuthenticator.create();
  expect((await register(accountId, authenticator)).status).toBe(200);
  return { accountId, authenticator };
}

async function signInOptions(browser: ConsoleClient): Promise<{ res: Response; options: RequestOptions }> {
  const res = await browser.postJson("/sign-in/passkey/options", {});
  expect(res.status).toBe(200);
  return { res, options: (await res.json()) as RequestOptions };
}

describe("passkey sign-in guards", () => {
  it("binds the challenge to the asking browser with a short-lived __Host- cookie, storing only the nonce's hash", async () => {
    const browser = new ConsoleClient();
    const { res, options } = await signInOptions(browser);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(new RegExp(`^${COOKIE}=[A-Za-z0-9_-]{43};`));
    for (const part of ["Max-Age=900", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"]) expect(setCookie).toContain(part);
    const nonce = browser.cookies.get(COOKIE)!;
    const rows = await db.select().from(webauthnChallenges).where(sql`${webauthnChallenges.challenge} like ${`${options.challenge}.%`}`);
    expect(rows.map((r) => r.challenge)).toEqual([`${options.challenge}.${await sha256Hex(nonce)}`]);
    expect(JSON.stringify(rows)).not.toContain(nonce);
  });

  it("refuses an assertion brought by another browser, or without the cookie", async () => {
    const { authenticator } = await withPasskey();
    const asking = new ConsoleClient();
    const { options } = await signInOptions(asking);
    const elsewhere = new ConsoleClient();
    expect((await elsewhere.postJson("/sign-in/passkey", { response: await authenticator.assert(options) })).status).toBe(400);
    expect(elsewhere.cookies.has("__Host-emby_session")).toBe(false);
    // Another browser's own cookie does not fit this challenge either.
    await signInOptions(elsewhere);
    expect((await elsewhere.postJson("/sign-in/passkey", { response: await authenticator.assert(options) })).status).toBe(400);
    // The asking browser still can: the others spent nothing of its challenge.
    const res = await asking.postJson("/sign-in/passkey", { response: await authenticator.assert(options) });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(asking.cookies.has(COOKIE)).toBe(false);
  });

  it("refuses options with 429 while the cap of unexpired sign-in challenges is reached, expired ones not counting", async () => {
    const fill = (expiresAt: number) =>
      db.run(sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${SIGN_IN_CHALLENGE_CAP})
        insert into ${webauthnChallenges} (challenge, purpose, account_id, expires_at) select 'fill-' || ${expiresAt} || '-' || i, 'sign_in', null, ${expiresAt} from n`);
    await fill(Date.now() - 1000);
    await signInOptions(new ConsoleClient());
    await db.delete(webauthnChallenges).where(sql`${webauthnChallenges.challenge} not like 'fill-%'`);
    await fill(Date.now() + 60_000);
    try {
      const browser = new ConsoleClient();
      const res = await browser.postJson("/sign-in/passkey/options", {});
      expect(res.status).toBe(429);
      expect(browser.cookies.has(COOKIE)).toBe(false);
    } finally {
      // Storage is shared by this file's tests: the others need room to sign in.
      await db.delete(webauthnChallenges).where(sql`${webauthnChallenges.challenge} like 'fill-%'`);
    }
  });

  it("asks for user verification and refuses an assertion or a registration without it", async () => {
    const { accountId, authenticator } = await withPasskey();
    const browser = new ConsoleClient();
    const { options } = await signInOptions(browser);
    expect(options.userVerification).toBe("required");
    expect((await browser.postJson("/sign-in/passkey", { response: await authenticator.assert(options, { userVerified: false }) })).status).toBe(400);
    expect(browser.cookies.has("__Host-emby_session")).toBe(false);

    expect((await register(accountId, await SoftAuthenticator.create(), { userVerified: false })).status).toBe(400);
    expect(await db.select().from(passkeys).where(eq(passkeys.accountId, accountId))).toHaveLength(1);
  });
});
