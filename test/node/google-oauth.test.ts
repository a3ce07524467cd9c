/**
 * The fake's Google OAuth token endpoint, called directly in Node: it takes
 * only a JWT bearer grant that Google would take (signed by its test service
 * account's key, with Google's header and claims), answers in Google's
 * shapes, and its tokens pass validAccessToken only while they live.
 */
import { generateKeyPairSync } from "node:crypto";
import { importPKCS8, SignJWT, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validAccessToken } from "../fake-upstream/google-oauth.ts";
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from "../fake-upstream/server.ts";

let fake: FakeUpstream;
let account: { client_email: string; private_key_id: string; private_key: string; type: string };
beforeAll(async () => {
  fake = await startFakeUpstream();
  account = JSON.parse(fake.serviceAccount);
});
afterAll(() => fake.close());

const AUD = "https://oauth2.googleapis.com/token";
const SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const nowS = () => Math.floor(Date.now() / 1000);

interface Grant {
  header?: Record<string, unknown>;
  claims?: JWTPayload;
  /** Sign with this PKCS#8 PEM instead of the service account's key. */
  privateKey?: string;
}

async function assertion(grant: Grant = {}): Promise<string> {
  const iat = nowS();
  const key = await importPKCS8(grant.privateKey ?? account.private_key, "RS256");
  return new SignJWT({ iss: account.client_email, scope: SCOPE, aud: AUD, iat, exp: iat + 3600, ...grant.claims })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: account.private_key_id, ...grant.header })
    .sign(key);
}

function tokenRequest(body: string, query = "", contentType = "application/x-www-form-urlencoded"): Promise<Response> {
  return fetch(`${fake.url}/google-oauth/token${query}`, { method: "POST", headers: { "content-type": contentType }, body });
}

const form = (jwt: string, grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer") => new URLSearchParams({ grant_type: grantType, assertion: jwt }).toString();

describe("the test service account", () => {
  it("is a key file like Google's: type, email, key id and a PKCS#8 PEM private key", () => {
    expect(account.type).toBe("service_account");
    expect(account.client_email).toMatch(/@.+\.iam\.gserviceaccount\.com$/);
    expect(account.private_key_id).toMatch(/^[0-9a-f]{40}$/);
    expect(account.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
  });
});

describe("POST /google-oauth/token", () => {
  it("answers a valid grant as Google does, with a token the Vertex paths accept", async () => {
    const res = await tokenRequest(form(await assertion()));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; expires_in: number; token_type: string };
    expect(body).toEqual({ access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, token_type: "Bearer" });
    expect(validAccessToken(`Bearer ${body.access_token}`)).toBe(true);
  });

  it.each<[string, () => Promise<string>, string]>([
    ["signed by another key", async () => assertion({ privateKey: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString() }), "invalid_grant"],
    ["naming another key id", () => assertion({ header: { kid: "0".repeat(40) } }), "invalid_grant"],
    ["without typ JWT", () => assertion({ header: { typ: "at+jwt" } }), "invalid_grant"],
    ["for another audience (the token URL the router was given)", () => assertion({ claims: { aud: `${fake.url}/google-oauth/token` } }), "invalid_grant"],
    ["from another issuer", () => assertion({ claims: { iss: "someone@example.com" } }), "invalid_grant"],
    ["for another scope", () => assertion({ claims: { scope: "https://www.googleapis.com/auth/devstorage.read_only" } }), "invalid_scope"],
    ["valid for more than an hour", () => assertion({ claims: { exp: nowS() + 3601 } }), "invalid_grant"],
    ["expired", () => assertion({ claims: { iat: nowS() - 4000, exp: nowS() - 400 } }), "invalid_grant"],
  ])("refuses an assertion %s with Google's 400", async (_, make, error) => {
    const res = await tokenRequest(form(await make()));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error, error_description: expect.any(String) });
  });

  it("refuses another grant type, a JSON body and a missing assertion", async () => {
    const jwt = await assertion();
    const wrongGrant = await tokenRequest(form(jwt, "client_credentials"));
    const json = await tokenRequest(JSON.stringify({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: jwt }), "", "application/json");
    const missing = await tokenRequest("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
    expect([wrongGrant.status, json.status, missing.status]).toEqual([400, 400, 400]);
    const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;
    expect([await errorOf(wrongGrant), await errorOf(json), await errorOf(missing)]).toEqual(["unsupported_grant_type", "invalid_request", "invalid_request"]);
  });

  it("fails the first `fail` requests of a key with `status`, then answers; each request is recorded, found by its key", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await tokenRequest(form(await assertion()), `?key=${key}&fail=2&status=503`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    const records = ((await (await fetch(`${fake.url}/__requests?tag=${key}`)).json()) as { requests: RecordedRequest[] }).requests;
    expect(records.map((r) => [r.label, r.path])).toEqual(Array(3).fill(["google-oauth", "/google-oauth/token"]));
    expect(records[0]!.body).toMatchObject({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer" });
  });

  it("issues tokens with the lifetime asked; one already expired is not valid", async () => {
    const res = await tokenRequest(form(await assertion()), "?expires_in=0");
    const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
    expect(expires_in).toBe(0);
    expect(validAccessToken(`Bearer ${access_token}`)).toBe(false);
  });
});

describe("validAccessToken", () => {
  it("accepts only the fake's own, untampered tokens as a Bearer header", async () => {
    const { access_token } = (await (await tokenRequest(form(await assertion()))).json()) as { access_token: string };
    const [prefix, expiry, nonce, mac] = access_token.split(".");
    const later = `${prefix}.${Number(expiry) + 3_600_000}.${nonce}.${mac}`;
    expect(validAccessToken(`Bearer ${access_token}`)).toBe(true);
    expect(validAccessToken(access_token)).toBe(false);
    expect(validAccessToken(`Bearer ${later}`)).toBe(false);
    expect(validAccessToken("Bearer ya29.a0AfH6SMBx")).toBe(false);
    expect(validAccessToken(undefined)).toBe(false);
    expect(validAccessToken([`Bearer ${access_token}`])).toBe(false);
  });
});
