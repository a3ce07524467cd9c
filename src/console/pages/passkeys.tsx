/** @jsxImportSource hono/jsx */
/**
 * The security page's passkeys section: the account's passkeys with
 * "Remove" (a plain form), and the "Add a passkey" form, which needs
 * WebAuthn and so JavaScript (/assets/passkeys.js): it stays hidden, with a
 * note saying so, until the script finds a browser that can make passkeys.
 */
import type { Context } from "hono";
import type { Passkey } from "../../db/schema";
import type { ConsoleAppEnv } from "../env";
import { CsrfField } from "./layout";
import { When } from "./when";

type C = Context<ConsoleAppEnv>;

/** The browser library (scripts/console-assets.ts copies it) and the console's script using it. */
export const PASSKEY_SCRIPTS = ["/assets/vendor/simplewebauthn-browser.umd.min.js", "/assets/passkeys.js"] as const;

function PasskeysTable({ c, rows }: { c: C; rows: Passkey[] }) {
  if (rows.length === 0) return <p>No passkeys yet: this account signs in by email link only.</p>;
  return (
    <table class="passkeys">
      <caption>Passkeys that can sign in to this account</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Added</th>
          <th scope="col">Last used</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr>
            <th scope="row">{row.name}</th>
            <td>
              <When ms={row.createdAt} />
            </td>
            <td>
              <When ms={row.lastUsedAt} absent="Never" />
            </td>
            <td>
              <form method="post" action={`/security/passkeys/${row.id}/remove`}>
                <CsrfField c={c} />
                <button type="submit" aria-label={`Remove passkey ${row.name}`}>
                  Remove
                </button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PasskeysSection({ c, rows }: { c: C; rows: Passkey[] }) {
  return (
    <section aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">Passkeys</h2>
      <p>A passkey signs you in with your device's screen lock or a security key, without waiting for an email.</p>
      <PasskeysTable c={c} rows={rows} />
      <p data-passkey-fallback>Adding a passkey needs a browser with JavaScript and passkey support.</p>
      <form method="post" action="/security/passkeys" class="form" data-passkey-add hidden>
        <CsrfField c={c} />
        <p class="field">
          <label for="passkey-name">Passkey name</label>
          <input id="passkey-name" name="name" type="text" required maxlength={100} placeholder="e.g. Work laptop" />
        </p>
        <button type="submit">Add a passkey</button>
        <p role="status" aria-live="polite" data-passkey-status></p>
      </form>
    </section>
  );
}

/** The sign-in page's passkey button, hidden until the script finds WebAuthn: without it the email link is the way. */
export function PasskeySignIn({ next }: { next: string | null }) {
  return (
    <div class="passkey-sign-in" data-passkey-sign-in data-next={next ?? undefined} hidden>
      <p>Or, if you added a passkey to your account:</p>
      <button type="button">Sign in with a passkey</button>
      <p role="status" aria-live="polite" data-passkey-status></p>
    </div>
  );
}
