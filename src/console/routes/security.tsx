/** @jsxImportSource hono/jsx */
/**
 * Security: the account's live sessions (device, when signed in, last
 * active) with sign-out of any or all, its passkeys (routes/passkeys.ts),
 * and the account's audit log, newest first, 50 entries a page.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { writeAudit } from "../../db/accounts";
import { auditEntriesNewestFirst, findAuditEntry, type AuditRow } from "../../db/audit-log";
import { coreDb } from "../../db/client";
import { deleteAccountSessions, deleteSession, listLiveSessions } from "../../db/console-sessions";
import { listPasskeys } from "../../db/passkeys";
import type { ConsoleSession } from "../../db/schema";
import { errors } from "../../shared/errors";
import { CONSOLE_SESSION_IDLE_MS } from "../../shared/retention";
import { sessionActor } from "../auth/actor";
import { clearSessionCookie } from "../auth/session";
import { signedIn } from "../middleware/session";
import type { ConsoleAppEnv, SessionInfo } from "../env";
import { CsrfField, page } from "../pages/layout";
import { PASSKEY_SCRIPTS, PasskeysSection } from "../pages/passkeys";
import { When } from "../pages/when";

type C = Context<ConsoleAppEnv>;

const AUDIT_PAGE_SIZE = 50;
const sessionIdHash = z.string().regex(/^[0-9a-f]{64}$/);
const auditId = z.string().regex(/^audit_[0-9a-f]{32}$/);

function SessionsTable({ c, rows, current }: { c: C; rows: ConsoleSession[]; current: SessionInfo }) {
  return (
    <table class="sessions">
      <caption>Devices signed in to this account</caption>
      <thead>
        <tr>
          <th scope="col">Device</th>
          <th scope="col">Signed in</th>
          <th scope="col">Last active</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr>
            <th scope="row">{row.device}</th>
            <td>
              <When ms={row.createdAt} />
            </td>
            <td>
              <When ms={row.lastSeenAt} />
            </td>
            <td>
              {row.idHash === current.idHash ? (
                <strong>This session</strong>
              ) : (
                <form method="post" action={`/security/sessions/${row.idHash}/sign-out`}>
                  <CsrfField c={c} />
                  <button type="submit" aria-label={`Sign out ${row.device}, signed in ${new Date(row.createdAt).toISOString().slice(0, 16).replace("T", " ")} UTC`}>
                    Sign out
                  </button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AuditTable({ rows }: { rows: AuditRow[] }) {
  if (rows.length === 0) return <p>No entries.</p>;
  return (
    <table class="audit-log">
      <caption>Changes to this account, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Action</th>
          <th scope="col">By</th>
          <th scope="col">On</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr>
            <th scope="row">
              <When ms={row.createdAt} />
            </th>
            <td>
              <code>{row.action}</code>
            </td>
            <td>
              <code>{row.actor}</code>
            </td>
            <td>{row.target ? <code>{row.target}</code> : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Ends the request's own session: the row, the cookie, and back to sign-in. */
function signedOut(c: C) {
  clearSessionCookie(c);
  return c.redirect("/sign-in", 303);
}

export const securityPages = new Hono<ConsoleAppEnv>()
  .get("/", async (c) => {
    const session = signedIn(c);
    const db = coreDb(c.env.DB);
    const beforeParam = c.req.query("before");
    let before: AuditRow | null = null;
    if (beforeParam !== undefined) {
      const id = auditId.safeParse(beforeParam);
      // Another account's entry is as unknown as a made-up one.
      before = (id.success ? await findAuditEntry(db, session.accountId, id.data) : undefined) ?? null;
      if (!before) throw errors.notFound("There is no such audit entry in this account.");
    }
    const sessions = await listLiveSessions(db, session.accountId, Date.now(), CONSOLE_SESSION_IDLE_MS);
    const passkeys = await listPasskeys(db, session.accountId);
    const entries = await auditEntriesNewestFirst(db, session.accountId, before, AUDIT_PAGE_SIZE + 1);
    const shown = entries.slice(0, AUDIT_PAGE_SIZE);
    const older = entries.length > AUDIT_PAGE_SIZE ? shown.at(-1) : undefined;
    return page(
      c,
      { title: "Security", active: "/security", scripts: PASSKEY_SCRIPTS },
      <>
        <section aria-labelledby="sessions-title">
          <h2 id="sessions-title">Sessions</h2>
          <p>A session ends after a day without use, and 14 days after signing in whatever its use.</p>
          <SessionsTable c={c} rows={sessions} current={session} />
          <form method="post" action="/security/sessions/sign-out-everywhere">
            <CsrfField c={c} />
            <button type="submit">Sign out everywhere</button>
          </form>
        </section>
        <PasskeysSection c={c} rows={passkeys} />
        <section aria-labelledby="audit-title">
          <h2 id="audit-title">Audit log</h2>
          <AuditTable rows={shown} />
          {before ? <a href="/security">Newest</a> : null} {older ? <a href={`/security?before=${older.id}#audit-title`}>Older</a> : null}
        </section>
      </>,
    );
  })
  .post("/sessions/sign-out-everywhere", async (c) => {
    const session = signedIn(c);
    const db = coreDb(c.env.DB);
    await writeAudit(db, { accountId: session.accountId, actor: sessionActor(session), action: "session.end_all" });
    await deleteAccountSessions(db, session.accountId);
    return signedOut(c);
  })
  .post("/sessions/:id/sign-out", async (c) => {
    const session = signedIn(c);
    const id = sessionIdHash.safeParse(c.req.param("id"));
    const db = coreDb(c.env.DB);
    // Scoped to this account: another account's session id matches nothing, a 404 like a made-up one.
    if (!id.success || !(await deleteSession(db, session.accountId, id.data))) throw errors.notFound("There is no such session in this account.");
    await writeAudit(db, { accountId: session.accountId, actor: sessionActor(session), action: "session.end", target: `session:${id.data.slice(0, 12)}` });
    if (id.data === session.idHash) return signedOut(c);
    return c.redirect("/security", 303);
  });
