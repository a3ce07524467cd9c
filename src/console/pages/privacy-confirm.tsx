/** @jsxImportSource hono/jsx */
/** The confirmation pages for closing and erasing the account, and what follows them. */
import type { Context } from "hono";
import { CLOSED_ACCOUNT_RETENTION_MS } from "../../shared/retention";
import type { ConsoleAppEnv } from "../env";
import { CsrfField, page } from "./layout";
import { when } from "./privacy";

const RETENTION_DAYS = Math.round(CLOSED_ACCOUNT_RETENTION_MS / 86_400_000);

export function closeConfirmPage(c: Context<ConsoleAppEnv>) {
  return page(
    c,
    { title: "Close your account", active: "/privacy" },
    <>
      <p>
        Closing your account stops every API key at once and signs you out of the console. Your data (account, keys,
        consents, audit log, request logs) is deleted {RETENTION_DAYS} days later; billing records are kept, under a
        pseudonym, as the law requires. To keep a copy of your data, <a href="/privacy#export">download the export</a>{" "}
        first. To delete everything now instead, <a href="/privacy/erase">erase your account</a>.
      </p>
      <p>
        A pro subscription is cancelled at once; the rest of the period already paid is not refunded. Credit left stays
        yours: ask us for a refund within {RETENTION_DAYS} days.
      </p>
      <form method="post" action="/privacy/close">
        <CsrfField c={c} />
        <button type="submit">Close my account</button>
      </form>
      <p>
        <a href="/privacy">Keep my account</a>
      </p>
    </>,
  );
}

export function closedPage(c: Context<ConsoleAppEnv>, closedAt: number) {
  return page(
    c,
    { title: "Your account is closed" },
    <p>
      Your API keys no longer work. Your data will be deleted on {when(closedAt + CLOSED_ACCOUNT_RETENTION_MS)}; billing
      records are kept, under a pseudonym.
    </p>,
  );
}

export function eraseConfirmPage(c: Context<ConsoleAppEnv>, error: string | null = null) {
  return page(
    c,
    { title: "Erase your account now", active: "/privacy", status: error ? 400 : 200 },
    <>
      <p>Erasing is immediate and cannot be undone. It deletes:</p>
      <ul>
        <li>your account, its API keys (they stop working at once) and your console sessions;</li>
        <li>your consents and the audit log of your account;</li>
        <li>your request logs (metadata of every call);</li>
        <li>your customer record at Stripe, our payment processor, with any subscription and saved card (Stripe keeps the payment records the law requires it to keep).</li>
      </ul>
      <p>
        It keeps your billing records (usage per day and model, and the charge of each request) for seven years, as tax
        law requires, under a random pseudonym that nothing links back to you. To keep a copy of your data,{" "}
        <a href="/privacy#export">download the export</a> first.
      </p>
      <form method="post" action="/privacy/erase">
        <CsrfField c={c} />
        <label for="erase-email">Type your email to confirm</label>
        <input
          id="erase-email"
          name="email"
          type="email"
          autocomplete="off"
          required
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? "erase-error" : undefined}
        />
        {error ? (
          <p id="erase-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit">Erase everything now</button>
      </form>
      <p>
        <a href="/privacy">Keep my account</a>
      </p>
    </>,
  );
}

export function erasedPage(c: Context<ConsoleAppEnv>) {
  return page(
    c,
    { title: "Your account has been erased" },
    <p>
      Your account and its data are gone, and you are signed out. Billing records remain under a pseudonym. Thank you for
      using Emby Router.
    </p>,
  );
}
