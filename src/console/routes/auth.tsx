/** @jsxImportSource hono/jsx */
/**
 * Signing up and in by email link, signing out, and the cookie banner's
 * answer. Link requests answer "Check your email" at once and do their work
 * (look-up, limit, mail) after the response, so neither the page nor its
 * timing tells whether an address has an account.
 */
import { Hono, type Context } from "hono";
import { setCookie } from "hono/cookie";
import { z } from "zod";
import { writeAudit } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { deleteSession } from "../../db/console-sessions";
import { findUsableLink } from "../../db/sign-in-links";
import { sha256Hex } from "../../shared/crypto";
import { errorSummary } from "../../shared/errors";
import { POLICY_VERSIONS } from "../../shared/policies";
import { CONSOLE_LINK_TTL_MS } from "../../shared/retention";
import { sessionActor } from "../auth/actor";
import { followLink, linkToken, requestSignIn, requestSignUp, SIGN_IN_LINK_PURPOSES } from "../auth/links";
import { safeNext } from "../auth/next";
import { clearSessionCookie, startSession } from "../auth/session";
import { consoleOrigin, type ConsoleAppEnv } from "../env";
import { PREFERENCES_COOKIE } from "../middleware/preferences";
import { CheckEmail, ContinueForm, LinkNotValid, SignInForm, SignUpForm } from "../pages/auth-forms";
import { formMessages, readForm } from "../pages/form";
import { page } from "../pages/layout";
import { PASSKEY_SCRIPTS } from "../pages/passkeys";

type C = Context<ConsoleAppEnv>;

const PREFERENCES_MAX_AGE_S = 365 * 24 * 60 * 60;
const LINK_MINUTES = Math.round(CONSOLE_LINK_TTL_MS / 60_000);

const email = z.string().trim().pipe(z.email().max(254));
const yes = z.literal("yes");

const signInForm = z.object({ email, next: z.string().optional() });
const signUpForm = z.object({
  email,
  name: z.string().trim().min(1).max(200),
  company: z.string().trim().max(200).optional(),
  privacy_policy: yes,
  acceptable_use: yes,
  age_18_plus: yes,
  product_updates: yes.optional(),
  next: z.string().optional(),
});
const linkForm = z.object({ token: linkToken, next: z.string().optional() });
const preferencesForm = z.object({ analytics: z.enum(["0", "1"]), next: z.string().optional() });

const SIGN_UP_MESSAGES: Record<string, string> = {
  email: "Enter a valid email address.",
  name: "Enter your name (up to 200 characters).",
  company: "The company name can have up to 200 characters.",
  privacy_policy: "Accept the privacy policy to create an account.",
  acceptable_use: "Accept the acceptable use policy to create an account.",
  age_18_plus: "Confirm that you are 18 or older: the service is for adults only.",
};

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

/** Runs a link request after the response; a failure is logged, never shown (the answer is the same anyway). */
function afterResponse(c: C, work: Promise<void>): void {
  c.executionCtx.waitUntil(work.catch((err: unknown) => console.error("console link request failed", errorSummary(err instanceof Error ? err : new Error(String(err))))));
}

function checkEmail(c: C, address: string) {
  return page(c, { title: "Check your email" }, <CheckEmail email={address} minutes={LINK_MINUTES} />);
}

const LINK_REFUSALS = {
  invalid: { title: "This link does not work", status: 410, body: <LinkNotValid /> },
  closed: { title: "This account is closed", status: 403, body: <p>The account of this address is closed, so it cannot be signed in to. Its data is deleted 90 days after closure.</p> },
  terminated: {
    title: "This account is terminated",
    status: 403,
    body: <p>The account of this address was terminated for breaking the acceptable use policy, so it cannot be signed in to.</p>,
  },
} as const;

export const authPages = new Hono<ConsoleAppEnv>()
  .get("/sign-in", (c) => {
    const next = safeNext(c.req.query("next"));
    if (c.get("session")) return c.redirect(next ?? "/", 303);
    return page(c, { title: "Sign in", scripts: PASSKEY_SCRIPTS }, <SignInForm c={c} next={next} />);
  })
  .post("/sign-in", async (c) => {
    const form = await readForm(c, signInForm);
    if (!form.success) {
      const body = await c.req.parseBody();
      return page(c, { title: "Sign in", status: 400, scripts: PASSKEY_SCRIPTS }, <SignInForm c={c} next={safeNext(body.next)} email={text(body.email)} messages={["Enter a valid email address."]} />);
    }
    const next = safeNext(form.data.next);
    afterResponse(c, requestSignIn(c.env, form.data.email, { origin: consoleOrigin(c.env, c.req.url), next }, Date.now()));
    return checkEmail(c, form.data.email);
  })
  .get("/sign-up", (c) => {
    const next = safeNext(c.req.query("next"));
    if (c.get("session")) return c.redirect(next ?? "/", 303);
    return page(c, { title: "Create your account" }, <SignUpForm c={c} next={next} />);
  })
  .post("/sign-up", async (c) => {
    const form = await readForm(c, signUpForm);
    if (!form.success) {
      const body = await c.req.parseBody();
      const values = { email: text(body.email), name: text(body.name), company: text(body.company) };
      const messages = formMessages(form.error, SIGN_UP_MESSAGES);
      return page(c, { title: "Create your account", status: 400 }, <SignUpForm c={c} next={safeNext(body.next)} values={values} messages={messages} />);
    }
    const { data } = form;
    const details = {
      name: data.name,
      ...(data.company ? { company: data.company } : {}),
      privacyPolicy: POLICY_VERSIONS.privacy_policy,
      acceptableUse: POLICY_VERSIONS.acceptable_use,
      age18Plus: true as const,
      productUpdates: data.product_updates === "yes",
    };
    afterResponse(c, requestSignUp(c.env, data.email, details, { origin: consoleOrigin(c.env, c.req.url), next: safeNext(data.next) }, Date.now()));
    return checkEmail(c, data.email);
  })
  .get("/auth/link", async (c) => {
    const token = linkToken.safeParse(c.req.query("token"));
    // Looked at, never spent: only the POST behind "Continue" spends it.
    const link = token.success ? await findUsableLink(coreDb(c.env.DB), await sha256Hex(token.data), SIGN_IN_LINK_PURPOSES, Date.now()) : undefined;
    if (!token.success || !link) return page(c, { title: LINK_REFUSALS.invalid.title, status: 410 }, LINK_REFUSALS.invalid.body);
    const signUp = link.purpose === "sign_up";
    const next = safeNext(c.req.query("next"));
    return page(c, { title: signUp ? "Create your account" : "Sign in" }, <ContinueForm c={c} token={token.data} next={next} signUp={signUp} />);
  })
  .post("/auth/link", async (c) => {
    const form = await readForm(c, linkForm);
    if (!form.success) return page(c, { title: LINK_REFUSALS.invalid.title, status: 400 }, LINK_REFUSALS.invalid.body);
    const now = Date.now();
    const result = await followLink(c.env, form.data.token, now);
    if (!result.ok) {
      const refusal = LINK_REFUSALS[result.reason];
      return page(c, { title: refusal.title, status: refusal.status }, refusal.body);
    }
    const db = coreDb(c.env.DB);
    // A session already in this browser (perhaps another account's) ends: one browser, one session.
    const previous = c.get("session");
    if (previous) await deleteSession(db, previous.accountId, previous.idHash);
    const session = await startSession(c, result.account.id, now);
    await writeAudit(db, { accountId: result.account.id, actor: sessionActor(session), action: "session.start" });
    return c.redirect(safeNext(form.data.next) ?? "/", 303);
  })
  .post("/sign-out", async (c) => {
    const session = c.get("session");
    if (session) await deleteSession(coreDb(c.env.DB), session.accountId, session.idHash);
    clearSessionCookie(c);
    return c.redirect("/sign-in", 303);
  })
  .post("/preferences", async (c) => {
    const form = await readForm(c, preferencesForm);
    if (!form.success) return page(c, { title: "Cookies", status: 400 }, <p role="alert">Choose "Essential cookies only" or "Allow analytics".</p>);
    setCookie(c, PREFERENCES_COOKIE, `analytics=${form.data.analytics}`, {
      path: "/",
      secure: true,
      httpOnly: true,
      sameSite: "Lax",
      prefix: "host",
      maxAge: PREFERENCES_MAX_AGE_S,
    });
    return c.redirect(safeNext(form.data.next) ?? "/", 303);
  });
