/**
 * Console sessions: a random id in a `__Host-` cookie (HttpOnly, Secure,
 * SameSite=Lax, Path=/, no Domain), stored only as its SHA-256, with an idle
 * and an absolute expiry (src/shared/retention.ts). The CSRF token is derived
 * from the id, so it needs no storage and no second cookie, and cannot be
 * turned back into the id.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { coreDb } from "../../db/client";
import { findLiveSession, insertSession, touchSession } from "../../db/console-sessions";
import { randomToken, sha256Hex } from "../../shared/crypto";
import { CONSOLE_SESSION_ABSOLUTE_MS, CONSOLE_SESSION_IDLE_MS, CONSOLE_SESSION_TOUCH_MS } from "../../shared/retention";
import type { ConsoleAppEnv, SessionInfo } from "../env";
import { describeDevice } from "./device";

/** The cookie's name without its prefix: hono adds `__Host-` (prefix "host") and checks it when reading. */
export const SESSION_COOKIE = "emby_session";

// links.ts still imports it from here; it lives in src/shared/crypto.ts.

async function csrfTokenOf(sessionId: string): Promise<string> {
  return sha256Hex(`csrf:${sessionId}`);
}

/** Stores a new session for the account; returns the cookie's value (the only copy of the id). */
export async function startSessionRow(env: Pick<ConsoleEnv, "DB">, accountId: string, userAgent: string | undefined, now = Date.now()): Promise<{ cookieValue: string; session: SessionInfo }> {
  const id = randomToken();
  const idHash = await sha256Hex(id);
  const expiresAt = now + CONSOLE_SESSION_ABSOLUTE_MS;
  await insertSession(coreDb(env.DB), { idHash, accountId, device: describeDevice(userAgent), createdAt: now, lastSeenAt: now, expiresAt });
  return { cookieValue: id, session: { idHash, accountId, csrfToken: await csrfTokenOf(id), createdAt: now, expiresAt } };
}

/** Starts a session for the account and sets its cookie on the response. */
export async function startSession(c: Context<ConsoleAppEnv>, accountId: string, now = Date.now()): Promise<SessionInfo> {
  const { cookieValue: id, session } = await startSessionRow(c.env, accountId, c.req.header("user-agent"), now);
  // The cookie lives as long as the session can; the idle expiry is enforced
  // server-side (a browser's clock and cookie jar are not to be trusted).
  setCookie(c, SESSION_COOKIE, id, {
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "Lax",
    prefix: "host",
    maxAge: Math.floor(CONSOLE_SESSION_ABSOLUTE_MS / 1000),
  });
  c.set("session", session);
  return session;
}

/** Clears the session cookie (the row is deleted by the caller). */
export function clearSessionCookie(c: Context<ConsoleAppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true, prefix: "host" });
}

/** The request's live session, or null. Touches it at most every CONSOLE_SESSION_TOUCH_MS. */
export async function readSession(c: Context<ConsoleAppEnv>, now = Date.now()): Promise<SessionInfo | null> {
  const id = getCookie(c, SESSION_COOKIE, "host");
  if (!id || id.length > 100) return null;
  const idHash = await sha256Hex(id);
  const db = coreDb(c.env.DB);
  const row = await findLiveSession(db, idHash, now, CONSOLE_SESSION_IDLE_MS);
  if (!row) return null;
  if (now - row.lastSeenAt >= CONSOLE_SESSION_TOUCH_MS) await touchSession(db, idHash, now);
  return { idHash, accountId: row.accountId, csrfToken: await csrfTokenOf(id), createdAt: row.createdAt, expiresAt: row.expiresAt };
}
