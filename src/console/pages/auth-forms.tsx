/** @jsxImportSource hono/jsx */
/** The signed-out pages' forms: sign-up, sign-in, "Check your email", and the link's "Continue". */
import type { Context } from "hono";
import type { ConsoleAppEnv } from "../env";
import { CsrfField } from "./layout";
import { PasskeySignIn } from "./passkeys";

type C = Context<ConsoleAppEnv>;

function Messages({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <div class="form-errors" role="alert">
      <p>The form needs a change:</p>
      <ul>
        {messages.map((m) => (
          <li>{m}</li>
        ))}
      </ul>
    </div>
  );
}

function NextField({ next }: { next: string | null }) {
  return next ? <input type="hidden" name="next" value={next} /> : null;
}

export interface SignUpValues {
  email?: string;
  name?: string;
  company?: string;
}

export function SignUpForm({ c, next, values = {}, messages = [] }: { c: C; next: string | null; values?: SignUpValues; messages?: readonly string[] }) {
  return (
    <>
      <Messages messages={messages} />
      <form method="post" action="/sign-up" class="form">
        <CsrfField c={c} />
        <NextField next={next} />
        <p class="field">
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="email" required maxlength={254} value={values.email ?? ""} />
        </p>
        <p class="field">
          <label for="name">Name</label>
          <input id="name" name="name" type="text" autocomplete="name" required maxlength={200} value={values.name ?? ""} />
        </p>
        <p class="field">
          <label for="company">Company (optional)</label>
          <input id="company" name="company" type="text" autocomplete="organization" maxlength={200} value={values.company ?? ""} />
        </p>
        <fieldset>
          <legend>Agreements</legend>
          <p class="checkbox">
            <input id="privacy_policy" name="privacy_policy" type="checkbox" value="yes" required />
            <label for="privacy_policy">I accept the privacy policy</label>
          </p>
          <p class="checkbox">
            <input id="acceptable_use" name="acceptable_use" type="checkbox" value="yes" required />
            <label for="acceptable_use">I accept the acceptable use policy</label>
          </p>
          <p class="checkbox">
            <input id="age_18_plus" name="age_18_plus" type="checkbox" value="yes" required />
            <label for="age_18_plus">I am 18 or older</label>
          </p>
          <p class="checkbox">
            <input id="product_updates" name="product_updates" type="checkbox" value="yes" />
            <label for="product_updates">Send me product updates</label> (optional; you can change this later)
          </p>
        </fieldset>
        <button type="submit">Create account</button>
      </form>
      <p>
        Already have an account? <a href="/sign-in">Sign in</a>.
      </p>
    </>
  );
}

export function SignInForm({ c, next, email = "", messages = [] }: { c: C; next: string | null; email?: string; messages?: readonly string[] }) {
  return (
    <>
      <Messages messages={messages} />
      <p>No password: we email you a link that signs you in.</p>
      <form method="post" action="/sign-in" class="form">
        <CsrfField c={c} />
        <NextField next={next} />
        <p class="field">
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="email" required maxlength={254} value={email} />
        </p>
        <button type="submit">Email me a sign-in link</button>
      </form>
      <PasskeySignIn next={next} />
      <p>
        New here? <a href="/sign-up">Create an account</a>.
      </p>
    </>
  );
}

/** The one answer to every link request: it never says whether the address has an account. */
export function CheckEmail({ email, minutes }: { email: string; minutes: number }) {
  return (
    <>
      <p>
        If <strong>{email}</strong> can receive a link from us, a message with one is on its way. The link works once, within {minutes} minutes.
      </p>
      <p>
        Nothing arrived? Check your spam folder, or <a href="/sign-in">ask for a new link</a>.
      </p>
    </>
  );
}

/** GET /auth/link: a button, because mail scanners open links and must not spend them. */
export function ContinueForm({ c, token, next, signUp }: { c: C; token: string; next: string | null; signUp: boolean }) {
  return (
    <>
      <p>{signUp ? "Confirm to create your account and sign in." : "Confirm to sign in on this device."}</p>
      <form method="post" action="/auth/link" class="form">
        <CsrfField c={c} />
        <input type="hidden" name="token" value={token} />
        <NextField next={next} />
        <button type="submit">Continue</button>
      </form>
    </>
  );
}

export function LinkNotValid() {
  return (
    <p>
      This link has expired or was already used. Links work once, for a short time. <a href="/sign-in">Ask for a new one</a>.
    </p>
  );
}
