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
import { confirmPendingEmail, findAccountByEmail } from "../../db/accounts";
import { coreDb } from "../../db/client";
import type { Account } from "../../db/schema";
import { consumeLink } from "../../db/sign-in-links";
import { sha256Hex } from "../../shared/crypto";
import { CONSOLE_LINK_TTL_MS } from "../../shared/retention";
import { sendMail } from "../mail/send";
import { issueLink, type MailEnv } from "./links";

const MINUTES = Math.round(CONSOLE_LINK_TTL_MS / 60_000);
export const CONFIRM_EMAIL_PATH = "/auth/confirm-email";

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
      text: `Open this link to make ${account.pendingEmail} the email address of your Emby Router account:\n\n${url}\n\nIt works once, within ${MINUTES} minutes. Until then your account keeps its current address. If you did not ask for this, ignore this mail: nothing changes.\n`,
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
 * no session is needed; `actorFor` names who confirmed, for the account's
 * audit log.
 */
export async function confirmEmail(env: Pick<ConsoleEnv, "DB">, token: string, actorFor: (accountId: string) => string, now: number): Promise<ConfirmResult> {
  const db = coreDb(env.DB);
  const link = await consumeLink(db, await sha256Hex(token), ["confirm_email"], now);
  if (!link?.accountId) return { ok: false, reason: "invalid" };
  const account = await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, link.accountId!) });
  if (!account) return { ok: false, reason: "invalid" };
  if (account.closedAt !== null || account.status === "terminated") return { ok: false, reason: "closed" };
  const result = await confirmPendingEmail(db, account.id, link.email, actorFor(account.id), now);
  return result.outcome === "confirmed" ? { ok: true, account: result.account } : { ok: false, reason: result.outcome };
}
