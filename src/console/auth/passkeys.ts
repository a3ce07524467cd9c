/**
 * Passkeys (WebAuthn), the console's second way to sign in, with
 * @simplewebauthn/server. The relying party is the console's origin
 * (consoleOrigin): its hostname is the rp id, and a response made for any
 * other origin is refused. Each ceremony's challenge is stored between its
 * two requests and spent by the verification whatever its outcome (one use).
 *
 * Passkeys are discoverable (residentKey "required"): signing in asks for no
 * email, and the credential says whose it is. The passkey is then the only
 * factor, so user verification is required, at registration and sign-in. The WebAuthn user id is the
 * SHA-256 of the account id, so the authenticator holds neither the id nor
 * the address as the account's handle.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { z } from "zod";
import { coreDb } from "../../db/client";
import { consumeChallenge, findPasskey, insertChallenge, insertPasskey, insertSignInChallengeWithinCap, listPasskeys, recordPasskeyUse } from "../../db/passkeys";
import type { Account } from "../../db/schema";
import { randomToken, sha256Hex } from "../../shared/crypto";
import { CONSOLE_LINK_TTL_MS } from "../../shared/retention";
import { consoleOrigin } from "../env";

export const RP_NAME = "Emby Router";


const b64url = z.string().min(1).max(4096).regex(/^[A-Za-z0-9_-]+$/);
const transports = z.array(z.enum(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"])).max(10);
// Extension outputs are not used; parsed to nothing so no unchecked value reaches the verifier.
const common = { id: b64url, rawId: b64url, type: z.literal("public-key"), clientExtensionResults: z.object({}), authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional() };

/** The browser's answer to navigator.credentials.create(), as @simplewebauthn/browser sends it. */
export const registrationResponse = z.object({
  ...common,
  response: z.object({ clientDataJSON: b64url, attestationObject: b64url, transports: transports.optional() }),
});

/** The browser's answer to navigator.credentials.get(). */
export const authenticationResponse = z.object({
  ...common,
  response: z.object({ clientDataJSON: b64url, authenticatorData: b64url, signature: b64url, userHandle: b64url.optional() }),
});

export const passkeyName = z.string().trim().min(1).max(100);

/** The relying party of a request to the console: its origin and rp id (the origin's hostname). */
export function relyingParty(env: ConsoleEnv, requestUrl: string): { origin: string; rpID: string } {
  const origin = consoleOrigin(env, requestUrl);
  return { origin, rpID: new URL(origin).hostname };
}

async function webauthnUserId(accountId: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accountId)));
}

/** Options for adding a passkey to the account; stores their challenge. */
export async function registrationOptions(env: ConsoleEnv, requestUrl: string, account: Pick<Account, "id" | "email" | "name">, now: number): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const db = coreDb(env.DB);
  const existing = await listPasskeys(db, account.id);
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: relyingParty(env, requestUrl).rpID,
    // Shown by the authenticator to tell the person's passkeys apart.
    userName: account.email,
    userDisplayName: account.name,
    userID: await webauthnUserId(account.id),
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports ?? undefined })),
    // Sign-in requires user verification, so a passkey registered without it could never sign in.
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
  await insertChallenge(db, { challenge: options.challenge, purpose: "register", accountId: account.id, expiresAt: now + CHALLENGE_TTL_MS });
  return options;
}

export type Refusal = { ok: false; message: string };

/** Verifies a registration against a challenge of this account and stores the passkey. */
export async function addPasskey(
  env: ConsoleEnv,
  requestUrl: string,
  accountId: string,
  name: string,
  response: z.output<typeof registrationResponse>,
  now: number,
): Promise<{ ok: true; id: string } | Refusal> {
  const db = coreDb(env.DB);
  const rp = relyingParty(env, requestUrl);
  let result;
  try {
    result = await verifyRegistrationResponse({
      response,
      expectedChallenge: (challenge) => consumeChallenge(db, challenge, "register", accountId, now),
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: true,
    });
  } catch {
    // The library's message names what did not match; the person needs only to try again.
    return { ok: false, message: "The passkey could not be verified. Try again." };
  }
  if (!result.verified) return { ok: false, message: "The passkey could not be verified. Try again." };
  const { credential } = result.registrationInfo;
  const stored = await insertPasskey(db, {
    id: credential.id,
    accountId,
    publicKey: isoBase64URL.fromBuffer(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports ?? null,
    name,
    createdAt: now,
    lastUsedAt: null,
  });
  if (!stored) return { ok: false, message: "This passkey is already registered." };
  return { ok: true, id: credential.id };
}

/** At most this many unexpired sign-in challenges at once, over every browser (the table cannot be filled). */
export const SIGN_IN_CHALLENGE_CAP = 1000;
/** How long a ceremony's challenge, and the sign-in's browser cookie, last. */
export const CHALLENGE_TTL_MS = CONSOLE_LINK_TTL_MS;

/**
 * A sign-in challenge is stored bound to the browser that asked for it:
 * as `<challenge>.<SHA-256 of the nonce in its __Host-emby_webauthn cookie>`,
 * so the nonce itself is never stored, and an assertion brought by another
 * browser (without the cookie) finds nothing to spend.
 */
async function boundChallenge(challenge: string, nonce: string): Promise<string> {
  return `${challenge}.${await sha256Hex(nonce)}`;
}

/**
 * Options for signing in with any passkey of this site (discoverable: no
 * allowCredentials) and the nonce for the browser's cookie; stores their
 * challenge bound to the nonce. Null when SIGN_IN_CHALLENGE_CAP sign-ins
 * are under way already.
 */
export async function authenticationOptions(env: ConsoleEnv, requestUrl: string, now: number): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; nonce: string } | null> {
  // The passkey is the only factor of this sign-in, so it must verify its user (PIN, biometrics).
  const options = await generateAuthenticationOptions({ rpID: relyingParty(env, requestUrl).rpID, userVerification: "required" });
  const nonce = randomToken();
  const stored = await insertSignInChallengeWithinCap(coreDb(env.DB), await boundChallenge(options.challenge, nonce), now + CHALLENGE_TTL_MS, now, SIGN_IN_CHALLENGE_CAP);
  return stored ? { options, nonce } : null;
}

/**
 * Verifies a sign-in assertion against the stored passkey and a sign-in
 * challenge; returns the passkey's account id. The account's own state
 * (closed, terminated) is the caller's to check.
 */
export async function verifyPasskeySignIn(
  env: ConsoleEnv,
  requestUrl: string,
  response: z.output<typeof authenticationResponse>,
  nonce: string | undefined,
  now: number,
): Promise<{ ok: true; accountId: string; passkeyId: string } | Refusal> {
  const db = coreDb(env.DB);
  const refused: Refusal = { ok: false, message: "The passkey could not be verified. Try again, or sign in with an email link." };
  // Without the cookie of the browser that asked for the options, no challenge can be this one's.
  if (!nonce) return refused;
  const passkey = await findPasskey(db, response.id);
  if (!passkey) return { ok: false, message: "This passkey is not registered here (it may have been removed). Sign in with an email link." };
  // A discoverable credential names its user: it must be the passkey's account.
  if (response.response.userHandle !== undefined && response.response.userHandle !== isoBase64URL.fromBuffer(await webauthnUserId(passkey.accountId))) return refused;
  const rp = relyingParty(env, requestUrl);
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: async (challenge) => consumeChallenge(db, await boundChallenge(challenge, nonce), "sign_in", null, now),
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      credential: { id: passkey.id, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: passkey.counter, transports: passkey.transports ?? undefined },
      requireUserVerification: true,
    });
  } catch {
    return refused;
  }
  if (!result.verified) return refused;
  if (!(await recordPasskeyUse(db, passkey.id, passkey.counter, result.authenticationInfo.newCounter, now))) return refused;
  return { ok: true, accountId: passkey.accountId, passkeyId: passkey.id };
}
