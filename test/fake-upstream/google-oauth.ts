/**
 * Google's OAuth token endpoint, played by the fake, and the access tokens it
 * issues for the Vertex AI paths.
 *
 * Each fake makes one test service account at start (RSA 2048, its key file
 * as Google's IAM gives it; `FakeUpstream.serviceAccount`). `POST
 * /google-oauth/token` takes the JWT bearer grant the way Google's "Using
 * OAuth 2.0 for Server to Server Applications" describes it: a form body with
 * grant_type and assertion, the JWT signed RS256 by that account's key (its
 * `kid` the key id, `typ` JWT), iss its email, the cloud-platform scope, aud
 * Google's token URL, at most an hour between iat and exp, not expired. It
 * answers as Google does: `{access_token, expires_in: 3599, token_type:
 * "Bearer"}`, or HTTP 400 `{error, error_description}`.
 *
 * Scenarios travel in the token URL's query, which is operator configuration
 * (GOOGLE_TOKEN_URL), so a test steers its own token endpoint without
 * touching anyone else's:
 * - `key=<unique>`: the request counter below, and a tag for `/__requests?tag=`;
 * - `fail=N`: N requests with that key fail, with `status` (default 500,
 *   Google's `internal_failure` shape; 400 is `invalid_grant`): the first N,
 *   or those after the first M with `after=M` (a refresh that fails);
 * - `malformed=1`: answer 200 with a body that is not a token response;
 * - `expires_in=S`: the issued token's lifetime in seconds (default 3599).
 */
import { createHmac, generateKeyPairSync, randomBytes, timingSafeEqual, verify, type KeyObject } from "node:crypto";
import type { ServerResponse } from "node:http";

export const GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";
const SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Google tolerates a little clock skew on iat; the router's clock and the fake's are the same machine's. */
const SKEW_S = 300;

export interface TestServiceAccount {
  /** The key file's text, as VERTEX_SERVICE_ACCOUNT holds it. */
  keyFile: string;
  clientEmail: string;
  privateKeyId: string;
  publicKey: KeyObject;
}

/** A service account key file shaped like the ones Google Cloud IAM issues (its key made here). */
export function createTestServiceAccount(project = "emby-local"): TestServiceAccount {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyId = randomBytes(20).toString("hex");
  const clientEmail = `emby-router@${project}.iam.gserviceaccount.com`;
  const keyFile = JSON.stringify({
    type: "service_account",
    project_id: project,
    private_key_id: privateKeyId,
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: clientEmail,
    client_id: String(BigInt(`0x${randomBytes(8).toString("hex")}`)),
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: GOOGLE_TOKEN_AUDIENCE,
    auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
    universe_domain: "googleapis.com",
  });
  return { keyFile, clientEmail, privateKeyId, publicKey };
}

/**
 * Access tokens are self-checking ("ya29." like Google's, then the expiry and
 * an HMAC under this process's secret), so the fake keeps no list of them and
 * validAccessToken needs no fake instance.
 */
const TOKEN_SECRET = randomBytes(32);

const mac = (payload: string) => createHmac("sha256", TOKEN_SECRET).update(payload).digest("base64url");

function issueToken(lifetimeS: number): string {
  const payload = `${Date.now() + lifetimeS * 1000}.${randomBytes(12).toString("base64url")}`;
  return `ya29.${payload}.${mac(payload)}`;
}

/** Whether an Authorization header carries a token this fake issued that has not expired (Vertex paths answer 401 otherwise). */
export function validAccessToken(authorization: string | string[] | undefined): boolean {
  if (typeof authorization !== "string") return false;
  const match = /^Bearer ya29\.((\d+)\.[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match) return false;
  const [, payload = "", expiresAt = "0", signature = ""] = match;
  const expected = Buffer.from(mac(payload));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) && Number(expiresAt) > Date.now();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  // Google's token endpoint marks its answers uncacheable.
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache, no-store, max-age=0, must-revalidate", pragma: "no-cache" });
  res.end(JSON.stringify(body));
}

const grantError = (res: ServerResponse, error: string, description: string) => send(res, 400, { error, error_description: description });

function decodeSegment(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Why Google would refuse this assertion (its error code and description), or null when it is a valid grant for the account. */
export function assertionProblem(assertion: string, account: TestServiceAccount, nowS = Math.floor(Date.now() / 1000)): [string, string] | null {
  const [h = "", p = "", s = "", ...extra] = assertion.split(".");
  const header = decodeSegment(h);
  const claims = decodeSegment(p);
  if (extra.length > 0 || !header || !claims || !s) return ["invalid_grant", "Invalid JWT: not a signed JWT."];
  if (header.alg !== "RS256" || header.typ !== "JWT") return ["invalid_grant", "Invalid JWT: the header must be {alg: RS256, typ: JWT}."];
  if (header.kid !== account.privateKeyId) return ["invalid_grant", "Invalid JWT Signature."];
  if (!verify("sha256", Buffer.from(`${h}.${p}`), account.publicKey, Buffer.from(s, "base64url"))) return ["invalid_grant", "Invalid JWT Signature."];
  if (claims.iss !== account.clientEmail) return ["invalid_grant", "Invalid issuer: not the service account's email."];
  if (claims.aud !== GOOGLE_TOKEN_AUDIENCE) return ["invalid_grant", "Invalid JWT: Failed audience check."];
  if (claims.scope !== SCOPE) return ["invalid_scope", "Invalid OAuth scope or ID token audience provided."];
  const { iat, exp } = claims;
  if (typeof iat !== "number" || typeof exp !== "number" || exp - iat > 3600 || exp <= nowS || iat > nowS + SKEW_S) {
    return ["invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."];
  }
  return null;
}

/** What a token request's query asks of the fake (see the top of this file). */
interface TokenScenario {
  key: string;
  fail: number;
  after: number;
  status: number;
  malformed: boolean;
  expiresIn: number;
}

function scenarioOf(url: URL): TokenScenario {
  const int = (name: string, fallback: number) => {
    const value = Number(url.searchParams.get(name) ?? fallback);
    return Number.isInteger(value) && value >= 0 ? value : fallback;
  };
  return {
    key: url.searchParams.get("key") ?? "",
    fail: int("fail", 0),
    after: int("after", 0),
    status: int("status", 500),
    malformed: url.searchParams.get("malformed") === "1",
    expiresIn: int("expires_in", 3599),
  };
}

/** The form fields of a token request, for the fake's request records. */
export function tokenRequestFields(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

/**
 * Answers one POST to the token endpoint. `uses` counts requests per
 * scenario key (the fake's counter, shared with scenario.ts's `times`).
 */
export function handleGoogleToken(res: ServerResponse, contentType: string | undefined, text: string, url: URL, account: TestServiceAccount, uses: Map<string, number>): void {
  const scenario = scenarioOf(url);
  const counter = `google-oauth:${scenario.key}`;
  const seen = uses.get(counter) ?? 0;
  uses.set(counter, seen + 1);
  if (seen >= scenario.after && seen < scenario.after + scenario.fail) {
    if (scenario.status === 400) return grantError(res, "invalid_grant", "Invalid JWT Signature.");
    return send(res, scenario.status, { error: "internal_failure", error_description: "Backend Error" });
  }
  if (!contentType?.startsWith("application/x-www-form-urlencoded")) return grantError(res, "invalid_request", "Bad Request");
  const form = new URLSearchParams(text);
  if (form.get("grant_type") !== JWT_BEARER) return grantError(res, "unsupported_grant_type", `Invalid grant_type: ${form.get("grant_type") ?? ""}`);
  const assertion = form.get("assertion");
  if (!assertion) return grantError(res, "invalid_request", "Missing required parameter: assertion");
  const problem = assertionProblem(assertion, account);
  if (problem) return grantError(res, ...problem);
  if (scenario.malformed) {
    res.writeHead(200, { "content-type": "text/html" });
    return void res.end("<html><body>Sign in</body></html>");
  }
  send(res, 200, { access_token: issueToken(scenario.expiresIn), expires_in: scenario.expiresIn, token_type: "Bearer" });
}
