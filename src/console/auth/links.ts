/**
 * Sign-up and sign-in by email link. A link's token is random
 * (randomToken) and stored only as its SHA-256; it works once, within
 * CONSOLE_LINK_TTL_MS. Sign-up keeps the form's details in the link, and the
 * account exists only once the link is followed: an address nobody can read
 * never gets an account.
 *
 * Asking for a link answers the same whatever the address: unknown, closed,
 * terminated and over-the-limit addresses get no mail, and the caller shows
 * "Check your email" either way (no account enumeration).
 */
import { z } from "zod";
import { agreementInserts } from "../../db/agreements";
import { accountInserts, consentInserts, findAccountByEmail, normalizeEmail } from "../../db/accounts";
import { coreDb, type CoreDb } from "../../db/client";
import type { Account, SignInPurpose, SignUpDetails } from "../../db/schema";
import { consumeLink, insertLinkWithinLimit, type NewSignInLink } from "../../db/sign-in-links";
import { randomToken, sha256Hex } from "../../shared/crypto";
import { POLICY_VERSIONS } from "../../shared/policies";
import { CONSOLE_LINK_TTL_MS } from "../../shared/retention";
import { sendMail } from "../../mail/send";

/** At most this many links per address per CONSOLE_LINK_TTL_MS (so at most this many live at once). */
export const LINK_REQUESTS_PER_WINDOW = 5;
/** The audit log's actor for the account a sign-up creates (no session exists yet). */
export const SIGN_UP_ACTOR = "console:sign-up";
/** `source` of the agreements and consent a sign-up records. */
const SIGN_UP_SOURCE = "console";

/** A link's token as randomToken() makes it: 32 random bytes, base64url without padding. */
export const linkToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** The purposes of links that /auth/link follows (a "confirm_email" link is /auth/confirm-email's). */
export const SIGN_IN_LINK_PURPOSES = ["sign_in", "sign_up"] as const satisfies readonly SignInPurpose[];

export type MailEnv = Pick<ConsoleEnv, "DB" | "EMAIL" | "EMAIL_FROM" | "EMAIL_TRANSPORT">;

export interface LinkTarget {
  /** The console's origin, for the absolute link in the mail. */
  origin: string;
  /** A safe same-origin path to land on after the link (auth/next.ts), or null. */
  next: string | null;
}

function usable(account: Account): boolean {
  return account.closedAt === null && account.status !== "terminated";
}

/** Mails a sign-in link to the account of `email`, if it has one that may sign in. */
export async function requestSignIn(env: MailEnv, email: string, target: LinkTarget, now: number): Promise<void> {
  const account = await findAccountByEmail(coreDb(env.DB), email);
  if (!account || !usable(account)) return;
  await sendLink(env, { purpose: "sign_in", email: account.email, accountId: account.id, signUp: null }, target, now);
}

/**
 * Mails a sign-up link; for an address that already has an account, a
 * sign-in link instead (the mail says so), never a second account.
 */
export async function requestSignUp(env: MailEnv, email: string, details: SignUpDetails, target: LinkTarget, now: number): Promise<void> {
  const existing = await findAccountByEmail(coreDb(env.DB), email);
  if (existing) {
    if (usable(existing)) await sendLink(env, { purpose: "sign_in", email: existing.email, accountId: existing.id, signUp: null }, target, now);
    return;
  }
  await sendLink(env, { purpose: "sign_up", email: normalizeEmail(email), accountId: null, signUp: details }, target, now);
}

export type LinkFields = Pick<NewSignInLink, "purpose" | "email" | "accountId" | "signUp">;

/**
 * Stores a new one-time link (hashed, CONSOLE_LINK_TTL_MS) and returns its
 * token for the mail, or null when LINK_REQUESTS_PER_WINDOW links already
 * went to the address within the window.
 */
export async function issueLink(env: Pick<ConsoleEnv, "DB">, fields: LinkFields, now: number): Promise<string | null> {
  const token = randomToken();
  const row = { ...fields, tokenHash: await sha256Hex(token), createdAt: now, expiresAt: now + CONSOLE_LINK_TTL_MS };
  return (await insertLinkWithinLimit(coreDb(env.DB), row, now - CONSOLE_LINK_TTL_MS, LINK_REQUESTS_PER_WINDOW)) ? token : null;
}

async function sendLink(env: MailEnv, fields: LinkFields, target: LinkTarget, now: number): Promise<void> {
  const token = await issueLink(env, fields, now);
  if (!token) return;
  const url = new URL("/auth/link", target.origin);
  url.searchParams.set("token", token);
  if (target.next) url.searchParams.set("next", target.next);
  const minutes = Math.round(CONSOLE_LINK_TTL_MS / 60_000);
  const text =
    fields.purpose === "sign_up"
      ? `Open this link to confirm your address and create your Emby Router account:\n\n${url}\n\nIt works once, within ${minutes} minutes. If you did not sign up, ignore this mail: no account is created.\n`
      : `Open this link to sign in to the Emby Router console:\n\n${url}\n\nIt works once, within ${minutes} minutes. If you did not ask to sign in (or tried to sign up with an address that already has an account), ignore this mail.\n`;
  const subject = fields.purpose === "sign_up" ? "Confirm your email to create your Emby Router account" : "Your Emby Router sign-in link";
  await sendMail(env, { to: fields.email, subject, text });
}

export type FollowResult = { ok: true; account: Account } | { ok: false; reason: "invalid" | "closed" | "terminated" };

/**
 * Spends the link and returns the account to sign in to, creating it for a
 * sign-up. A sign-up link for an address that gained an account meanwhile
 * (two links followed) signs in to that account: the link proves the
 * address, as a sign-in link would.
 */
export async function followLink(env: Pick<ConsoleEnv, "DB">, token: string, now: number): Promise<FollowResult> {
  const db = coreDb(env.DB);
  const link = await consumeLink(db, await sha256Hex(token), SIGN_IN_LINK_PURPOSES, now);
  if (!link) return { ok: false, reason: "invalid" };
  let account = link.accountId ? await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, link.accountId!) }) : await findAccountByEmail(db, link.email);
  if (!account && link.purpose === "sign_up" && link.signUp) account = await createSignedUpAccount(db, link.email, link.signUp, now);
  if (!account) return { ok: false, reason: "invalid" };
  if (account.closedAt !== null) return { ok: false, reason: "closed" };
  if (account.status === "terminated") return { ok: false, reason: "terminated" };
  return { ok: true, account };
}

/**
 * A free account with the agreements accepted on the form and, if ticked,
 * consent to product updates: one batch, so a failure leaves no account
 * without its agreements (the link is spent, and a new sign-up starts over).
 */
async function createSignedUpAccount(db: CoreDb, email: string, details: SignUpDetails, now: number): Promise<Account | undefined> {
  const { id, inserts } = accountInserts(db, { email, name: details.name, company: details.company, tier: "free" }, SIGN_UP_ACTOR);
  const accepted = { privacy_policy: details.privacyPolicy, acceptable_use: details.acceptableUse, age_18_plus: POLICY_VERSIONS.age_18_plus };
  const consent = details.productUpdates ? consentInserts(db, id, "product_updates", true, SIGN_UP_SOURCE) : [];
  try {
    await db.batch([...inserts, ...agreementInserts(db, id, accepted, now, SIGN_UP_SOURCE), ...consent]);
  } catch (err) {
    // Taken in between by another link of the same address: that account is this person's.
    const existing = await findAccountByEmail(db, email);
    if (existing) return existing;
    throw err;
  }
  return db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, id) });
}
