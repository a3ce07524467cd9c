/**
 * Confirming a new email address (docs/console-privacy.md, "Your details").
 * The address asked for (in the console or with PATCH /v1/account) waits as
 * `pending_email`; a one-time link (sign_in_links, purpose "confirm_email",
 * with the account id and the new address) proves the new mailbox, and only
 * following it changes `email`. Each link mailed to the new address is
 * announced to the address in use, so a stolen session cannot move the
 * account to another mailbox unseen. An address another account holds gets
 * a notice instead of the link, and the asker is answered as for any other
 * address: the form is no way to learn which addresses have accounts.
 */
import { syncStripeCustomer } from "../../billing/customer-sync";
import { confirmPendingEmail, findAccountByEmail } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { listPasskeys } from "../../db/passkeys";
import type { Account, Passkey } from "../../db/schema";
import { consumeLink } from "../../db/sign-in-links";
import { sha256Hex } from "../../shared/crypto";
import { CONSOLE_LINK_TTL_MS } from "../../shared/retention";
import type { SessionInfo } from "../env";
import { sendMail } from "../../mail/send";
import type { BillingSync } from "../../self-service/profile";
import { sessionActor } from "./actor";
import { issueLink, type MailEnv } from "./links";

const MINUTES = Math.round(CONSOLE_LINK_TTL_MS / 60_000);
export const CONFIRM_EMAIL_PATH = "/auth/confirm-email";
/** The audit actor of a confirmation without the account's own session (the link is the proof). */
const LINK_ACTOR = "console:email-link";

/**
 * Mails the link to the account's pending address (or, when another account
 * holds that address, a notice without a link) and a notice to its current
 * one. "limited" when the new address already had its share of links within
 * the window (links.ts): nothing is mailed then. A held address is counted
 * against the limit too (its link is stored and its token dropped), so
 * neither the answer nor when it turns "limited" tells the two apart.
 */
export async function mailEmailConfirmation(env: MailEnv, account: Account & { pendingEmail: string }, origin: string, now: number): Promise<"sent" | "limited"> {
  const token = await issueLink(env, { purpose: "confirm_email", email: account.pendingEmail, accountId: account.id, signUp: null }, now);
  if (!token) return "limited";
  const signIn = new URL("/sign-in", origin);
  const holder = await findAccountByEmail(coreDb(env.DB), account.pendingEmail);
  if (holder && holder.id !== account.id) {
    await sendMail(env, {
      to: account.pendingEmail,
      subject: "Someone asked to use your address for another Emby Router account",
      text:
        `Someone asked to use ${account.pendingEmail} as the email address of another Emby Router account. ` +
        `Nothing changes: this address stays with your account, and it cannot be moved to another one while your account uses it.\n\n` +
        `If you want to use it for that other account, first give your own account another address (sign in at ${signIn}, then Privacy and data, Your details), ` +
        `then ask again from the other account. Otherwise, ignore this mail.\n`,
    });
  } else {
    const url = new URL(CONFIRM_EMAIL_PATH, origin);
    url.searchParams.set("token", token);
    await sendMail(env, {
      to: account.pendingEmail,
      subject: "Confirm your new email address for Emby Router",
      text:
      `Open this link to make ${account.pendingEmail} the email address of the Emby Router account ${accountLabel(account)}:\n\n${url}\n\n` +
      `Confirm only if that is your own account: from then on, signing in with this address opens it. ` +
      `It works once, within ${MINUTES} minutes. If you did not ask for this, ignore this mail: nothing changes.\n`,
    });
  }
  await sendMail(env, {
    to: account.email,
    subject: "Your Emby Router email address is about to change",
    text:
      `Someone asked to change the email address of your Emby Router account to ${account.pendingEmail}. ` +
      `It changes only when the link we sent to that address is followed, within ${MINUTES} minutes.\n\n` +
      `If it was you, there is nothing to do here.\n\n` +
      `If it was not you, sign in at ${signIn} and, under Privacy and data, Your details, cancel the change; ` +
      `then, under Security, sign out the sessions you do not recognise, and revoke any API key you did not create.\n`,
  });
  return "sent";
}

export type ConfirmResult = { ok: true; account: Account } | { ok: false; reason: "invalid" | "not_pending" | "taken" | "closed" };

/**
 * Spends the link and makes its address the account's, if it is still the
 * pending one (a newer request replaced it: refused) and no other account
 * took it meanwhile (refused too; the link is spent either way, as a new
 * request would mail a new one). The link is the proof of the mailbox, so
 * no session is needed. `browser` is this browser's session, if any: when
 * it is the account's own, it names who confirmed in the audit log and is
 * the one session the switch keeps (confirmPendingEmail ends the others).
 * The new address is then told which passkeys reach the account, since
 * whoever asked for the change may have added their own. The account's
 * Stripe customer gets the new address after the response (rectification
 * reaches the processor; a failure is logged, never blocking).
 */
export async function confirmEmail(env: MailEnv, token: string, browser: SessionInfo | null, origin: string, now: number, billing: BillingSync): Promise<ConfirmResult> {
  const db = coreDb(env.DB);
  const link = await consumeLink(db, await sha256Hex(token), ["confirm_email"], now);
  if (!link?.accountId) return { ok: false, reason: "invalid" };
  const account = await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, link.accountId!) });
  if (!account) return { ok: false, reason: "invalid" };
  if (account.closedAt !== null || account.status === "terminated") return { ok: false, reason: "closed" };
  const own = browser?.accountId === account.id ? browser : null;
  const result = await confirmPendingEmail(db, account.id, link.email, own ? sessionActor(own) : LINK_ACTOR, now, own?.idHash);
  if (result.outcome !== "confirmed") return { ok: false, reason: result.outcome };
  billing.waitUntil(syncStripeCustomer(billing.env, result.account));
  await mailPasskeyNotice(env, result.account, await listPasskeys(db, account.id), origin);
  return { ok: true, account: result.account };
}

/** "Name", created YYYY-MM-DD: how pages and mail name the account an address would join. */
export function accountLabel(account: Pick<Account, "name" | "createdAt">): string {
  return `"${account.name}", created on ${new Date(account.createdAt).toISOString().slice(0, 10)}`;
}

async function mailPasskeyNotice(env: MailEnv, account: Account, passkeys: Passkey[], origin: string): Promise<void> {
  const list = passkeys.length === 0 ? "It has no passkeys.\n" : `Its passkeys:\n${passkeys.map((p) => `- ${p.name} (added ${new Date(p.createdAt).toISOString().slice(0, 10)})`).join("\n")}\n`;
  await sendMail(env, {
    to: account.email,
    subject: "Your address is now the email address of an Emby Router account",
    text:
      `${account.email} is now the email address of the Emby Router account ${accountLabel(account)}. ` +
      `Every console session of that account has ended, except the one that confirmed the change, if it was that account's.\n\n` +
      list +
      `\nA passkey signs in to the account without this mailbox. If you do not know one of them, remove it at ${new URL("/security", origin)} ` +
      `(sign in with a link to this address first). If this is not your account, remove them all and give it back its address, or close it.\n`,
  });
}
