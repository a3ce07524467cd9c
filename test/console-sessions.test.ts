import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { closeAccount, writeAudit } from "../src/db/accounts";
import { auditEntriesNewestFirst } from "../src/db/audit-log";
import { coreDb } from "../src/db/client";
import { consolePageViews, consoleSessions } from "../src/db/schema";
import { sha256Hex } from "../src/shared/crypto";
import { CONSOLE_SESSION_IDLE_MS, utcDay } from "../src/shared/retention";
import { ConsoleClient, signedInClient } from "./helpers/console";
import { newCustomer } from "./helpers/router";

const db = coreDb(env.DB);
const FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:140.0) Gecko/20100101 Firefox/140.0";

const idHashOf = (client: ConsoleClient) => sha256Hex(client.cookies.get("__Host-emby_session")!);
const signedIn = async (client: ConsoleClient) => (await client.get("/security")).status === 200;

describe("session expiry", () => {
  it("treats a session unused for the idle time as signed out", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const now = Date.now();
    await db.update(consoleSessions).set({ lastSeenAt: now - CONSOLE_SESSION_IDLE_MS - 1000 }).where(eq(consoleSessions.idHash, await idHashOf(client)));
    const res = await client.get("/security");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/sign-in?next=%2Fsecurity");
  });

  it("treats a session past its absolute expiry as signed out, however recently used", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    await db.update(consoleSessions).set({ lastSeenAt: Date.now(), expiresAt: Date.now() - 1000 }).where(eq(consoleSessions.idHash, await idHashOf(client)));
    expect(await signedIn(client)).toBe(false);
  });

  it("ends every console session of an account when it is closed", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    await closeAccount(db, accountId, Date.now(), "admin");
    expect(await signedIn(client)).toBe(false);
  });
});

describe("signing out", () => {
  it("header sign-out deletes the session and clears the cookie", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const cookie = client.cookies.get("__Host-emby_session")!;
    const res = await client.post("/sign-out");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/sign-in");
    expect(res.headers.getSetCookie()[0]).toMatch(/^__Host-emby_session=; Max-Age=0; Path=\/; Secure/);
    expect(await db.select().from(consoleSessions).where(eq(consoleSessions.idHash, await sha256Hex(cookie)))).toEqual([]);
  });

  it("lists the account's sessions with their device, marks this one, and signs out another", async () => {
    const { accountId } = await newCustomer();
    const laptop = await signedInClient(accountId);
    const other = await signedInClient(accountId, FIREFOX_MAC);
    const html = await (await laptop.get("/security")).text();
    expect(html).toContain("Chrome 156 on Linux");
    expect(html).toContain("Firefox 140 on macOS");
    expect(html.match(/This session/g)).toHaveLength(1);

    const otherId = await idHashOf(other);
    expect(html).toContain(`action="/security/sessions/${otherId}/sign-out"`);
    const res = await laptop.post(`/security/sessions/${otherId}/sign-out`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/security");
    expect(await signedIn(other)).toBe(false);
    expect(await signedIn(laptop)).toBe(true);
  });

  it("signs out everywhere, this session included", async () => {
    const { accountId } = await newCustomer();
    const a = await signedInClient(accountId);
    const b = await signedInClient(accountId);
    const res = await a.post("/security/sessions/sign-out-everywhere");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/sign-in");
    expect(await signedIn(a)).toBe(false);
    expect(await signedIn(b)).toBe(false);
    expect(await db.select().from(consoleSessions).where(eq(consoleSessions.accountId, accountId))).toEqual([]);
  });

  it("cannot end another account's session: 404, and that session lives on", async () => {
    const mine = await signedInClient((await newCustomer()).accountId);
    const theirs = await signedInClient((await newCustomer()).accountId);
    const res = await mine.post(`/security/sessions/${await idHashOf(theirs)}/sign-out`);
    expect(res.status).toBe(404);
    expect(await signedIn(theirs)).toBe(true);
  });

  it("records ending another session in the audit log, under the session's actor", async () => {
    const { accountId } = await newCustomer();
    const a = await signedInClient(accountId);
    const b = await signedInClient(accountId);
    const bId = await idHashOf(b);
    await a.post(`/security/sessions/${bId}/sign-out`);
    const [entry] = await auditEntriesNewestFirst(db, accountId, null, 1);
    expect(entry).toMatchObject({ action: "session.end", actor: `session:${(await idHashOf(a)).slice(0, 12)}`, target: `session:${bId.slice(0, 12)}` });
  });
});

describe("audit log on the security page", () => {
  it("shows the newest 50 entries with an Older link to the rest, and 404s another account's cursor", async () => {
    const { accountId } = await newCustomer();
    for (let i = 0; i < 55; i++) await writeAudit(db, { accountId, actor: "admin", action: `test.entry_${i}` });
    const client = await signedInClient(accountId);
    const first = await (await client.get("/security")).text();
    expect(first).toContain("test.entry_54");
    expect(first).not.toContain("test.entry_4<");
    const older = /href="(\/security\?before=audit_[0-9a-f]{32})#audit-title">Older</.exec(first)![1]!;
    const second = await (await client.get(older)).text();
    expect(second).toContain("test.entry_0<");
    expect(second).not.toContain("test.entry_54");
    expect(second).not.toContain(">Older<");

    const stranger = await newCustomer();
    await writeAudit(db, { accountId: stranger.accountId, actor: "admin", action: "test.stranger" });
    const [theirs] = await auditEntriesNewestFirst(db, stranger.accountId, null, 1);
    expect((await client.get(`/security?before=${theirs!.id}`)).status).toBe(404);
  });
});

describe("analytics", () => {
  const viewsOf = async (page: string) =>
    (await db.select().from(consolePageViews).where(eq(consolePageViews.day, utcDay(Date.now())))).find((r) => r.page === page)?.views ?? 0;

  it("counts page views by route pattern only after the visitor allows analytics", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    const before = await viewsOf("/security");
    await client.get("/security");
    expect(await viewsOf("/security")).toBe(before);

    const allow = await client.post("/preferences", { analytics: "1", next: "/security" });
    expect(allow.status).toBe(303);
    expect(allow.headers.get("location")).toBe("/security");
    expect(allow.headers.getSetCookie()).toEqual(["__Host-emby_prefs=analytics%3D1; Max-Age=31536000; Path=/; HttpOnly; Secure; SameSite=Lax"]);
    await client.get("/security");
    await client.get("/security");
    expect(await viewsOf("/security")).toBe(before + 2);

    await client.post("/preferences", { analytics: "0" });
    await client.get("/security");
    expect(await viewsOf("/security")).toBe(before + 2);
  });

  it("hides the cookie banner once answered", async () => {
    const client = new ConsoleClient();
    expect(await (await client.get("/sign-in")).text()).toContain("Allow analytics");
    const answer = await client.post("/preferences", { analytics: "0", next: "https://evil.test/" });
    expect(answer.headers.get("location")).toBe("/");
    expect(await (await client.get("/sign-in")).text()).not.toContain("Allow analytics");
  });
});
