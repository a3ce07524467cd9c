/**
 * Vertex AI's access tokens, from the service account the fake upstream made
 * (VERTEX_SERVICE_ACCOUNT) and its Google token endpoint: the JWT Google
 * receives, the per-isolate cache under an injected clock, one refresh in
 * flight, failures as 502 `upstream_auth_token_failed` that quote no secret,
 * and a malformed key file leaving the endpoint unconfigured.
 *
 * Each test gives its token source a token URL of its own (a `key` in its
 * query): the cache is per service account and URL, and the fake counts and
 * records requests by that key.
 */
import { env } from "cloudflare:workers";
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ENDPOINTS, endpointConfig } from "../src/providers/endpoints";
import { FAILURE_BACKOFF_MS, googleAccessTokenSource, REFRESH_MARGIN_MS } from "../src/providers/google-auth/token-source";
import type { Route } from "../src/providers/types";
import { ApiError } from "../src/shared/errors";

const account = JSON.parse(env.VERTEX_SERVICE_ACCOUNT) as { client_email: string; private_key_id: string; private_key: string };

const vertexRoute: Route = { endpoint: "vertex-eu", upstreamModel: "google/gemini-test", region: "eu", pricing: { prompt: 1, completion: 2 }, contextLength: 1000, maxOutputTokens: 100 };

interface TokenRecord {
  headers: Record<string, string>;
  body: { grant_type?: string; assertion?: string };
}

/** A token endpoint on the fake for one test, with its scenario (see test/fake-upstream/google-oauth.ts). */
function tokenEndpoint(scenario = "") {
  const key = `gauth-${crypto.randomUUID()}`;
  return {
    url: `${env.FAKE_UPSTREAM_URL}/google-oauth/token?key=${key}${scenario}`,
    requests: async (): Promise<TokenRecord[]> => {
      const res = await fetch(`${env.FAKE_UPSTREAM_URL}/__requests?tag=${key}`);
      return ((await res.json()) as { requests: TokenRecord[] }).requests;
    },
  };
}

const envWith = (vars: Partial<Env>): Env => ({ ...env, ...vars }) as Env;

/** A clock the test moves; starts at real time (the fake checks the JWT's iat and exp against its own clock). */
function clock(start = Date.now()) {
  const c = { t: start, now: () => c.t };
  return c;
}

function source(tokenUrl: string, now: () => number = Date.now, vars: Partial<Env> = {}): () => Promise<string> {
  const get = googleAccessTokenSource(envWith({ GOOGLE_TOKEN_URL: tokenUrl, ...vars }), now);
  if (!get) throw new Error("no token source for the fake's service account");
  return async () => get();
}

/** The public half of the service account's key, derived here with WebCrypto (a key file carries only the private key). */
async function publicKey(): Promise<CryptoKey> {
  const der = Uint8Array.from(atob(account.private_key.replace(/-----[A-Z ]+-----|\s/g, "")), (ch) => ch.charCodeAt(0));
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const privateKey = await crypto.subtle.importKey("pkcs8", der, algorithm, true, ["sign"]);
  const { kty, n, e } = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  return (await importJWK({ kty, n, e, alg: "RS256" }, "RS256")) as CryptoKey;
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

afterEach(() => vi.restoreAllMocks());

describe("the JWT bearer grant", () => {
  it("is a form POST whose assertion verifies with the service account's public key and carries exactly Google's header and claims", async () => {
    const endpoint = tokenEndpoint();
    const c = clock();
    const token = await source(endpoint.url, c.now)();
    expect(token).toMatch(/^ya29\./);
    const [request] = await endpoint.requests();
    expect(request!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.keys(request!.body).sort()).toEqual(["assertion", "grant_type"]);
    expect(request!.body.grant_type).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
    const jwt = request!.body.assertion!;
    const { payload } = await jwtVerify(jwt, await publicKey(), { algorithms: ["RS256"] });
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: "RS256", typ: "JWT", kid: account.private_key_id });
    const iat = Math.floor(c.t / 1000);
    // Google's audience, not the fake's URL the router was configured with.
    expect(payload).toEqual({ iss: account.client_email, scope: "https://www.googleapis.com/auth/cloud-platform", aud: "https://oauth2.googleapis.com/token", iat, exp: iat + 3600 });
  });
});

describe("the token cache", () => {
  it("serves a second call from the cache: no second token request", async () => {
    const endpoint = tokenEndpoint();
    const get = source(endpoint.url, clock().now);
    const first = await get();
    expect(await get()).toBe(first);
    expect(await endpoint.requests()).toHaveLength(1);
  });

  it("hands a fresh cached token back at once, as a string: no promise and no timer on the warm path", async () => {
    const endpoint = tokenEndpoint();
    const get = googleAccessTokenSource(envWith({ GOOGLE_TOKEN_URL: endpoint.url }), clock().now)!;
    const first = get();
    expect(first).toBeInstanceOf(Promise);
    const token = await first;
    expect(get()).toBe(token);
  });

  it("is shared by every route and env of the same service account and token endpoint in the isolate", async () => {
    const endpoint = tokenEndpoint();
    const c = clock();
    const first = await source(endpoint.url, c.now)();
    expect(await source(endpoint.url, c.now)()).toBe(first);
    expect(await endpoint.requests()).toHaveLength(1);
  });

  it(`refreshes a token once less than ${REFRESH_MARGIN_MS / 60_000} minutes of its life are left, not before`, async () => {
    const endpoint = tokenEndpoint();
    // Google's tokens live 3599 s: the refresh falls due now, so both JWTs are ones the fake accepts.
    const refreshAt = Date.now();
    const c = clock(refreshAt - (3599_000 - REFRESH_MARGIN_MS));
    const get = source(endpoint.url, c.now);
    const first = await get();
    c.t = refreshAt - 1_000;
    expect(await get()).toBe(first);
    expect(await endpoint.requests()).toHaveLength(1);
    c.t = refreshAt + 1_000;
    const second = await get();
    expect(second).not.toBe(first);
    expect(await get()).toBe(second);
    expect(await endpoint.requests()).toHaveLength(2);
  });

  it("makes one token request for concurrent callers, who all get its token", async () => {
    const endpoint = tokenEndpoint();
    const get = source(endpoint.url, clock().now);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => get()));
    expect(new Set(tokens).size).toBe(1);
    expect(await endpoint.requests()).toHaveLength(1);
  });
});

describe("a token failure", () => {
  it.each([
    ["an HTTP 500", "&fail=1&status=500"],
    ["Google's 400 invalid_grant", "&fail=1&status=400"],
    ["a 200 that is not a token response", "&malformed=1"],
  ])("after %s is a 502 upstream_auth_token_failed quoting no secret, body or URL", async (_, scenario) => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const endpoint = tokenEndpoint(scenario);
    const err = await rejection(source(endpoint.url, clock().now)());
    expect([err.status, err.code]).toEqual([502, "upstream_auth_token_failed"]);
    const [request] = await endpoint.requests();
    const secrets = [request!.body.assertion!, account.private_key, account.private_key_id, account.client_email, endpoint.url, "Backend Error", "invalid_grant", "Sign in"];
    for (const secret of secrets) expect(err.message).not.toContain(secret);
    // The operator's log line is as clean.
    const logged = log.mock.calls.flat().join(" ");
    for (const secret of secrets.slice(0, 5)) expect(logged).not.toContain(secret);
  });

  it("when the endpoint is unreachable is the same 502", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const err = await rejection(source("http://127.0.0.1:9/token", clock().now)());
    expect([err.status, err.code]).toEqual([502, "upstream_auth_token_failed"]);
  });

  it(`is not cached: callers in the next ${FAILURE_BACKOFF_MS / 1000} s get it at once, then the endpoint is asked again`, async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const endpoint = tokenEndpoint("&fail=1");
    const c = clock();
    const get = source(endpoint.url, c.now);
    await rejection(get());
    c.t += FAILURE_BACKOFF_MS - 1;
    expect((await rejection(get())).code).toBe("upstream_auth_token_failed");
    expect(await endpoint.requests()).toHaveLength(1);
    c.t += 1;
    expect(await get()).toMatch(/^ya29\./);
    expect(await endpoint.requests()).toHaveLength(2);
  });

  it("of a refresh leaves the still-valid token in use", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const endpoint = tokenEndpoint("&after=1&fail=1");
    const refreshAt = Date.now();
    const c = clock(refreshAt - (3599_000 - REFRESH_MARGIN_MS));
    const get = source(endpoint.url, c.now);
    const first = await get();
    c.t = refreshAt + 1_000;
    expect(await get()).toBe(first);
    expect(await endpoint.requests()).toHaveLength(2);
  });
});

describe("the service account secret", () => {
  const keyFile = JSON.parse(env.VERTEX_SERVICE_ACCOUNT) as Record<string, unknown>;

  it.each<[string, string, string]>([
    ["not JSON", "-----BEGIN PRIVATE KEY-----", "not JSON"],
    ["another credential type", JSON.stringify({ ...keyFile, type: "authorized_user" }), "type"],
    ["without private_key", JSON.stringify({ ...keyFile, private_key: undefined }), "private_key"],
    ["with a key that is not PKCS#8 PEM", JSON.stringify({ ...keyFile, private_key: "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n" }), "private_key"],
    ["without client_email", JSON.stringify({ ...keyFile, client_email: 42 }), "client_email"],
  ])("%s leaves Vertex unconfigured, with one error naming the problem and never the key", (_, secret, named) => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = envWith({ VERTEX_SERVICE_ACCOUNT: secret, VERTEX_EU_PROJECT: "emby-test" });
    expect(googleAccessTokenSource(broken)).toBeNull();
    // The endpoint asks once per route; the problem is reported once.
    expect(endpointConfig(ENDPOINTS["vertex-eu"], broken, vertexRoute, 1_000)).toBeNull();
    expect(log).toHaveBeenCalledTimes(1);
    const message = String(log.mock.calls[0]![0]);
    expect(message).toContain("VERTEX_SERVICE_ACCOUNT");
    expect(message).toContain(named);
    expect(message).not.toContain(account.private_key.slice(40, 80));
  });

  it("in production goes to Google's token endpoint only: another GOOGLE_TOKEN_URL leaves Vertex unconfigured", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const production = (url: string) => googleAccessTokenSource(envWith({ DURABLE_OBJECT_JURISDICTION: "eu", GOOGLE_TOKEN_URL: url }));
    expect(production("https://oauth2.googleapis.com/token")).not.toBeNull();
    for (const url of ["http://oauth2.googleapis.com/token", "https://oauth2.googleapis.com.example.com/token", "https://proxy.example.com/token"]) {
      expect(production(url), url).toBeNull();
    }
    expect(String(log.mock.calls[0]![0])).toContain("GOOGLE_TOKEN_URL");
    log.mockRestore();
  });

  it("absent leaves Vertex unconfigured, silently", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(googleAccessTokenSource(envWith({ VERTEX_SERVICE_ACCOUNT: undefined }))).toBeNull();
    expect(log).not.toHaveBeenCalled();
  });

  it("whose PEM holds no usable RSA key fails each token request with the 502, not at start", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const endpoint = tokenEndpoint();
    const get = source(endpoint.url, clock().now, { VERTEX_SERVICE_ACCOUNT: JSON.stringify({ ...keyFile, private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" }) });
    expect((await rejection(get())).code).toBe("upstream_auth_token_failed");
    expect(await endpoint.requests()).toHaveLength(0);
  });
});

describe("the vertex-eu endpoint", () => {
  it("gets a token source with its project, which yields the fake's tokens", async () => {
    const endpoint = tokenEndpoint();
    const config = endpointConfig(ENDPOINTS["vertex-eu"], envWith({ GOOGLE_TOKEN_URL: endpoint.url, VERTEX_EU_PROJECT: "emby-test" }), vertexRoute, 1_000);
    expect(config).toMatchObject({ vertex: { project: "emby-test", location: "eu" }, apiKey: undefined });
    expect(await config!.accessToken!()).toMatch(/^ya29\./);
  });

  it("is not configured without a project, even with a service account (the tests' default)", () => {
    expect(endpointConfig(ENDPOINTS["vertex-eu"], env, vertexRoute, 1_000)).toBeNull();
  });
});
