/**
 * Passkey endpoints. Adding and signing in are JSON requests from
 * /assets/passkeys.js (WebAuthn needs JavaScript), each ceremony in two
 * steps: options (with a stored challenge), then the browser's answer to
 * verify. Removing is a plain form. All are POSTs behind the CSRF
 * middleware: Origin always, and the session's token once signed in.
 */
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { writeAudit } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { deleteSession } from "../../db/console-sessions";
import { deletePasskey } from "../../db/passkeys";
import { errors } from "../../shared/errors";
import { sessionActor } from "../auth/actor";
import { addPasskey, authenticationOptions, CHALLENGE_TTL_MS, authenticationResponse, passkeyName, registrationOptions, registrationResponse, verifyPasskeySignIn } from "../auth/passkeys";
import { safeNext } from "../auth/next";
import { startSession } from "../auth/session";
import type { ConsoleAppEnv } from "../env";
import { signedIn } from "../middleware/session";

type C = Context<ConsoleAppEnv>;

const addBody = z.object({ name: passkeyName, response: registrationResponse });
const signInBody = z.object({ response: authenticationResponse, next: z.string().optional() });
/** A credential id as stored: base64url. */
const passkeyId = z.string().min(1).max(4096).regex(/^[A-Za-z0-9_-]+$/);

/** The audit log's short name of a passkey (credential ids are long). */
const auditTarget = (id: string) => `passkey:${id.slice(0, 16)}`;

async function readJson<S extends z.ZodType>(c: C, schema: S): Promise<z.output<S> | null> {
  const body: unknown = await c.req.json().catch(() => null);
  const parsed = schema.safeParse(body);
  return parsed.success ? parsed.data : null;
}

/** The sign-in's browser-binding cookie (hono adds the `__Host-` prefix). */
const WEBAUTHN_COOKIE = "emby_webauthn";

const refuse = (c: C, message: string, status: 400 | 403 | 429 = 400) => c.json({ error: message }, status);

/** Mounted at /security/passkeys, signed in. */
export const passkeySecurityRoutes = new Hono<ConsoleAppEnv>()
  .post("/options", async (c) => {
    const session = signedIn(c);
    const account = await coreDb(c.env.DB).query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, session.accountId) });
    if (!account) throw errors.notFound("There is no such account.");
    return c.json(await registrationOptions(c.env, c.req.url, account, Date.now()));
  })
  .post("/", async (c) => {
    const session = signedIn(c);
    const body = await readJson(c, addBody);
    if (!body) return refuse(c, "Give the passkey a name (up to 100 characters) and try again.");
    const result = await addPasskey(c.env, c.req.url, session.accountId, body.name, body.response, Date.now());
    if (!result.ok) return refuse(c, result.message);
    await writeAudit(coreDb(c.env.DB), { accountId: session.accountId, actor: sessionActor(session), action: "passkey.add", target: auditTarget(result.id) });
    return c.json({ redirect: "/security#passkeys-title" });
  })
  .post("/:id/remove", async (c) => {
    const session = signedIn(c);
    const id = passkeyId.safeParse(c.req.param("id"));
    const db = coreDb(c.env.DB);
    // Scoped to this account: another account's passkey is as unknown as a made-up one.
    if (!id.success || !(await deletePasskey(db, session.accountId, id.data))) throw errors.notFound("There is no such passkey in this account.");
    await writeAudit(db, { accountId: session.accountId, actor: sessionActor(session), action: "passkey.remove", target: auditTarget(id.data) });
    return c.redirect("/security#passkeys-title", 303);
  });

/** Mounted at /sign-in/passkey, signed out (the Origin check is its CSRF protection). */
export const passkeySignInRoutes = new Hono<ConsoleAppEnv>()
  .post("/options", async (c) => {
    const started = await authenticationOptions(c.env, c.req.url, Date.now());
    if (!started) return refuse(c, "Too many passkey sign-ins are under way. Try again in a few minutes, or sign in with an email link.", 429);
    // Binds the challenge to this browser: only it can bring the assertion back (auth/passkeys.ts).
    setCookie(c, WEBAUTHN_COOKIE, started.nonce, {
      path: "/",
      secure: true,
      httpOnly: true,
      sameSite: "Strict",
      prefix: "host",
      maxAge: Math.floor(CHALLENGE_TTL_MS / 1000),
    });
    return c.json(started.options);
  })
  .post("/", async (c) => {
    const body = await readJson(c, signInBody);
    if (!body) return refuse(c, "The browser's answer was not understood. Try again, or sign in with an email link.");
    const now = Date.now();
    const nonce = getCookie(c, WEBAUTHN_COOKIE, "host");
    // One ceremony per cookie: whatever the outcome, its challenge is spent.
    deleteCookie(c, WEBAUTHN_COOKIE, { path: "/", secure: true, prefix: "host" });
    const result = await verifyPasskeySignIn(c.env, c.req.url, body.response, nonce?.length === 43 ? nonce : undefined, now);
    if (!result.ok) return refuse(c, result.message);
    const db = coreDb(c.env.DB);
    const account = await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, result.accountId) });
    // As the email link: a closed or terminated account cannot be signed in to.
    if (!account || account.closedAt !== null) return refuse(c, "This account is closed, so it cannot be signed in to.", 403);
    if (account.status === "terminated") return refuse(c, "This account was terminated for breaking the acceptable use policy, so it cannot be signed in to.", 403);
    // One browser, one session: one already here (perhaps another account's) ends.
    const previous = c.get("session");
    if (previous) await deleteSession(db, previous.accountId, previous.idHash);
    const session = await startSession(c, account.id, now);
    await writeAudit(db, { accountId: account.id, actor: sessionActor(session), action: "session.start", details: { method: "passkey" } });
    return c.json({ redirect: safeNext(body.next) ?? "/" });
  });
