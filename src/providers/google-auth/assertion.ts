/**
 * The JWT a service account presents to Google's token endpoint (OAuth 2.0
 * JWT bearer grant, RFC 7523), as Google's "Using OAuth 2.0 for Server to
 * Server Applications" describes it: RS256, signed with the key file's
 * private key, naming the key by its id.
 */
import { importPKCS8, SignJWT, type CryptoKey } from "jose";
import type { ServiceAccount } from "./service-account";

/** Vertex AI needs the cloud-platform scope (Vertex AI's authentication docs). */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/**
 * The assertion's audience is always Google's token endpoint, whatever
 * GOOGLE_TOKEN_URL says: Google documents this value, and a fake standing in
 * for Google (dev, tests) checks the JWT Google would receive.
 */
export const GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";
/** Google accepts assertions valid for at most an hour. */
export const ASSERTION_LIFETIME_S = 3600;

/** The service account's private key as a WebCrypto signing key (RSASSA-PKCS1-v1_5, SHA-256). */
export function importSigningKey(account: ServiceAccount): Promise<CryptoKey> {
  return importPKCS8(account.privateKey, "RS256");
}

/** A signed assertion issued at `nowS` (seconds since the epoch), valid for ASSERTION_LIFETIME_S. */
export function signAssertion(account: ServiceAccount, key: CryptoKey, nowS: number): Promise<string> {
  return new SignJWT({ scope: CLOUD_PLATFORM_SCOPE })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: account.privateKeyId })
    .setIssuer(account.clientEmail)
    .setAudience(GOOGLE_TOKEN_AUDIENCE)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + ASSERTION_LIFETIME_S)
    .sign(key);
}
