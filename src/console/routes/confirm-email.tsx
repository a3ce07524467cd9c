/** @jsxImportSource hono/jsx */
/**
 * The link that confirms a new email address: GET shows a "Confirm" button
 * (mail scanners prefetch GETs and must not spend the link), the POST spends
 * it. Signed in or not: the link itself proves the mailbox.
 */
import { Hono } from "hono";
import { z } from "zod";
import { coreDb } from "../../db/client";
import { findUsableLink } from "../../db/sign-in-links";
import { sha256Hex } from "../../shared/crypto";
import { accountLabel, confirmEmail, CONFIRM_EMAIL_PATH } from "../auth/email-change";
import { linkToken } from "../auth/links";
import { consoleOrigin, type ConsoleAppEnv } from "../env";
import { LinkNotValid } from "../pages/auth-forms";
import { readForm } from "../pages/form";
import { CsrfField, page } from "../pages/layout";

const REFUSALS = {
  invalid: { title: "This link does not work", status: 410, body: <LinkNotValid /> },
  not_pending: {
    title: "This link does not work",
    status: 410,
    body: <p>This address is no longer the one waiting to be confirmed: the account asked for another since, or cancelled the change. Use the link in the newest mail.</p>,
  },
  taken: {
    title: "This address cannot be used",
    status: 409,
    body: <p>This email address cannot be used for this account. The account keeps its current address.</p>,
  },
  closed: { title: "This account is closed", status: 403, body: <p>The account is closed, so its email address cannot change.</p> },
} as const;

export const confirmEmailPages = new Hono<ConsoleAppEnv>()
  .get("/", async (c) => {
    const token = linkToken.safeParse(c.req.query("token"));
    // Looked at, never spent: only the POST behind "Confirm" spends it.
    const db = coreDb(c.env.DB);
    const link = token.success ? await findUsableLink(db, await sha256Hex(token.data), ["confirm_email"], Date.now()) : undefined;
    const account = link?.accountId ? await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, link.accountId!) }) : undefined;
    if (!token.success || !link || !account) return page(c, { title: REFUSALS.invalid.title, status: 410 }, REFUSALS.invalid.body);
    return page(
      c,
      { title: "Confirm your new email address" },
      <>
        <p>
          Confirm to make <strong>{link.email}</strong> the email address of the Emby Router account{" "}
          <strong data-testid="joining-account">{accountLabel(account)}</strong>. Sign-in links and notices go to it from then on.
        </p>
        <p>
          <strong>Confirm only if that is your own account.</strong> Whoever holds it, with its sessions and passkeys, would
          be signed in to it by this address from then on. If you did not ask for this, close this page: nothing changes.
        </p>
        <form method="post" action={CONFIRM_EMAIL_PATH} class="form">
          <CsrfField c={c} />
          <input type="hidden" name="token" value={token.data} />
          <button type="submit">Confirm</button>
        </form>
      </>,
    );
  })
  .post("/", async (c) => {
    const form = await readForm(c, z.object({ token: linkToken }));
    if (!form.success) return page(c, { title: REFUSALS.invalid.title, status: 400 }, REFUSALS.invalid.body);
    const session = c.get("session");
    const billing = { env: c.env, waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p) };
    const result = await confirmEmail(c.env, form.data.token, session, consoleOrigin(c.env, c.req.url), Date.now(), billing);
    if (!result.ok) {
      const refusal = REFUSALS[result.reason];
      return page(c, { title: refusal.title, status: refusal.status }, refusal.body);
    }
    return page(
      c,
      { title: "Email address confirmed" },
      <p>
        Your email address is now <strong>{result.account.email}</strong>. Every other console session of the account has
        ended. {session?.accountId === result.account.id ? <a href="/privacy/details">Back to your details</a> : <a href="/sign-in">Sign in</a>}
      </p>,
    );
  });
