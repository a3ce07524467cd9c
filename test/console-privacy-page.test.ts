import { env } from "cloudflare:workers";
import { and, desc, eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { coreDb } from "../src/db/client";
import { accounts, auditLog, consents, consoleSessions } from "../src/db/schema";
import { sha256Hex } from "../src/shared/crypto";
import { ConsoleClient, signedInClient } from "./helpers/console";
import { csvObjects } from "./helpers/csv";
import { call, chat, errorOf, newCustomer } from "./helpers/router";

const SESSION_COOKIE = "__Host-emby_session";
const db = () => coreDb(env.DB);
const nonEuChat = (key: string) => chat(key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });

/** The actor a client's session writes: `session:` and the first 12 hex of its id's hash. */
async function actorOf(client: ConsoleClient): Promise<string> {
  return `session:${(await sha256Hex(client.cookies.get(SESSION_COOKIE)!)).slice(0, 12)}`;
}

/** A client holding the same session cookie, as a second tab or a stolen copy would. */
function sameCookie(client: ConsoleClient, cookie: string): ConsoleClient {
  const copy = new ConsoleClient();
  copy.cookies.set(SESSION_COOKIE, cookie);
  return copy;
}

async function signedIn(options: { consent?: boolean } = {}) {
  const customer = await newCustomer(options);
  const client = await signedInClient(customer.accountId);
  await client.get("/privacy");
  return { customer, client };
}

async function accountRow(accountId: string) {
  return db().select().from(accounts).where(eq(accounts.id, accountId)).get();
}

describe("non-EU transfer consent", () => {
  it("records a withdrawal and a new grant with the session as source, lists the history newest first, and the router follows", async () => {
    const { customer, client } = await signedIn();
    expect(await (await client.get("/privacy")).text()).toContain("You consented to processing outside the EU");
    expect((await nonEuChat(customer.key)).status).toBe(200);

    const withdraw = await client.post("/privacy/consent", { non_eu_transfer: "withdraw" });
    expect(withdraw.status).toBe(303);
    expect(withdraw.headers.get("location")).toBe("/privacy?saved=consent#consent");
    const refused = await nonEuChat(customer.key);
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("consent_required");

    const actor = await actorOf(client);
    const rows = await db().select().from(consents).where(eq(consents.accountId, customer.accountId)).all();
    expect(rows.map((r) => [r.granted, r.source])).toEqual(expect.arrayContaining([[true, `key:${customer.keyId}`], [false, actor]]));
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.accountId, customer.accountId), eq(auditLog.actor, actor))).all();
    expect(audit.map((a) => [a.action, a.target])).toEqual([["consent.record", "non_eu_transfer"]]);

    const page = await (await client.get("/privacy?saved=consent")).text();
    expect(page).toContain("Your consent choice is saved.");
    expect(page).toContain("You have not consented to processing outside the EU");
    const history = page.slice(page.indexOf('data-testid="consent-history"'));
    expect(history.indexOf("Withdrawn")).toBeLessThan(history.indexOf("Granted"));
    expect(history).toContain("You, in the console");
    expect(history).toContain(`You, with API key ${customer.keyId}`);

    await client.post("/privacy/consent", { non_eu_transfer: "grant" });
    expect((await nonEuChat(customer.key)).status).toBe(200);
  });

  it("explains which providers consent opens", async () => {
    const { client } = await signedIn({ consent: false });
    const page = await (await client.get("/privacy")).text();
    expect(page).toContain("only EU-hosted routes serve your requests");
    expect(page).toMatch(/Anthropic \(United States\)/);
    expect(page).toContain("No decision recorded yet.");
  });

  it("refuses a form it does not understand with a 400 page, changing nothing", async () => {
    const { customer, client } = await signedIn();
    const res = await client.post("/privacy/consent", { non_eu_transfer: "maybe" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('role="alert"');
    expect((await nonEuChat(customer.key)).status).toBe(200);
  });
});

describe("restriction and product updates", () => {
  it("toggles restriction of processing, stated on the page and in D1", async () => {
    const { customer, client } = await signedIn();
    expect((await client.post("/privacy/restriction", { restricted: "on" })).status).toBe(303);
    expect((await accountRow(customer.accountId))!.restrictedAt).not.toBeNull();
    expect(await (await client.get("/privacy")).text()).toContain("Processing is restricted since");
    await client.post("/privacy/restriction", { restricted: "off" });
    expect((await accountRow(customer.accountId))!.restrictedAt).toBeNull();
    expect(await (await client.get("/privacy")).text()).toContain("Processing is not restricted.");
  });

  it("turns product updates on and off, each decision in the consent history", async () => {
    const { customer, client } = await signedIn();
    await client.post("/privacy/communication", { product_updates: "on" });
    expect(await (await client.get("/privacy")).text()).toContain("You receive product updates by email.");
    await client.post("/privacy/communication", { product_updates: "off" });
    expect(await (await client.get("/privacy")).text()).toContain("You do not receive product updates.");
    const rows = await db().select().from(consents).where(and(eq(consents.accountId, customer.accountId), eq(consents.kind, "product_updates"))).all();
    expect(rows.map((r) => r.granted).sort()).toEqual([false, true]);
  });
});

describe("export download", () => {
  it("downloads the account's JSON export as an attachment, audited with the session as actor", async () => {
    const { customer, client } = await signedIn();
    const res = await client.get("/privacy/export?format=json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="emby-export-${customer.accountId}-\\d{4}-\\d{2}-\\d{2}\\.json"$`));
    const doc = (await res.json()) as { account: { id: string }; consents: { source: string }[]; audit_log: { actor: string; action: string }[] };
    expect(doc.account.id).toBe(customer.accountId);
    expect(doc.consents.map((c) => c.source)).toEqual([`key:${customer.keyId}`]);
    expect(doc.audit_log).toContainEqual(expect.objectContaining({ actor: await actorOf(client), action: "account.export" }));
  });

  it("downloads the CSV export as a zip of CSV files that parse", async () => {
    const { customer, client } = await signedIn();
    const res = await client.get("/privacy/export?format=csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.zip"$/);
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const account = csvObjects(new TextDecoder().decode(files["account.csv"]!));
    expect(account.rows.map((r) => r.id)).toEqual([customer.accountId]);
    const keys = csvObjects(new TextDecoder().decode(files["keys.csv"]!));
    expect(keys.rows.map((r) => r.id)).toEqual([customer.keyId]);
  });

  it("refuses a download another site started (Sec-Fetch-Site cross-site or same-site) with 403, auditing nothing", async () => {
    const { customer, client } = await signedIn();
    for (const site of ["cross-site", "same-site"]) {
      const res = await client.get("/privacy/export?format=json", { "sec-fetch-site": site });
      expect(res.status, site).toBe(403);
      expect(res.headers.get("content-disposition")).toBeNull();
    }
    const exports = await db().select().from(auditLog).where(and(eq(auditLog.accountId, customer.accountId), eq(auditLog.action, "account.export"))).all();
    expect(exports).toEqual([]);
  });

  it("downloads from the console's own page, a typed address or bookmark, and a client that sends no Sec-Fetch-Site", async () => {
    const { client } = await signedIn();
    const cases: Record<string, string>[] = [{ "sec-fetch-site": "same-origin" }, { "sec-fetch-site": "none" }, {}];
    for (const headers of cases) {
      const res = await client.get("/privacy/export?format=json", headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      await res.body?.cancel();
    }
  });

  it("answers an unknown format with a 400 page", async () => {
    const { client } = await signedIn();
    expect((await client.get("/privacy/export?format=xml")).status).toBe(400);
  });
});

describe("one session, one account", () => {
  it("never shows another account's consents or export", async () => {
    const a = await signedIn();
    const b = await signedIn();
    await b.client.post("/privacy/consent", { non_eu_transfer: "withdraw" });
    const aPage = await (await a.client.get("/privacy")).text();
    expect(aPage).not.toContain(b.customer.keyId);
    expect(aPage).not.toContain("Withdrawn");
    const doc = await (await a.client.get("/privacy/export?format=json")).text();
    expect(doc).toContain(a.customer.accountId);
    expect(doc).not.toContain(b.customer.accountId);
    expect(doc).not.toContain(b.customer.keyId);
  });
});

describe("state-changing requests", () => {
  it("refuses a POST without the CSRF token or from another origin, changing nothing", async () => {
    const { customer, client } = await signedIn();
    expect((await client.post("/privacy/consent", { non_eu_transfer: "withdraw" }, { csrf: null })).status).toBe(403);
    expect((await client.post("/privacy/restriction", { restricted: "on" }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await client.post("/privacy/erase", { email: "x@example.com" }, { csrf: "0".repeat(64) })).status).toBe(403);
    expect((await nonEuChat(customer.key)).status).toBe(200);
    expect((await accountRow(customer.accountId))!.restrictedAt).toBeNull();
  });
});

describe("closing the account", () => {
  it("asks to confirm, then closes it: keys stop, every session ends, erasure is 90 days away", async () => {
    const { customer, client } = await signedIn();
    const cookie = client.cookies.get(SESSION_COOKIE)!;
    const elsewhere = await signedInClient(customer.accountId);
    const confirm = await client.get("/privacy/close");
    expect(await confirm.text()).toContain("90 days");
    const res = await client.post("/privacy/close");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Your account is closed");
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect((await accountRow(customer.accountId))!.closedAt).not.toBeNull();
    expect((await call("/v1/account", { headers: { authorization: `Bearer ${customer.key}` } })).status).toBe(401);
    expect((await sameCookie(client, cookie).get("/privacy")).status).toBe(303);
    expect((await elsewhere.get("/privacy")).status).toBe(303);
  });
});

describe("erasing the account now", () => {
  it("asks for the account's email, refuses another with a 400, then erases it and ends the session", async () => {
    const { customer, client } = await signedIn();
    const cookie = client.cookies.get(SESSION_COOKIE)!;
    const { email } = (await accountRow(customer.accountId))!;

    const confirm = await (await client.get("/privacy/erase")).text();
    expect(confirm).toContain("Type your email to confirm");
    expect(confirm).toContain("Erase everything now");
    expect(confirm).toContain("pseudonym");

    const wrong = await client.post("/privacy/erase", { email: `other-${email}` });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("Nothing was erased");
    expect(await accountRow(customer.accountId)).toBeDefined();

    const erased = await client.post("/privacy/erase", { email });
    expect(erased.status).toBe(200);
    const html = await erased.text();
    expect(html).toContain("Your account has been erased");
    expect(html).not.toContain("Sign out");
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false);

    expect(await accountRow(customer.accountId)).toBeUndefined();
    expect(await db().select().from(consoleSessions).where(eq(consoleSessions.accountId, customer.accountId)).all()).toEqual([]);
    expect(await db().select().from(consents).where(eq(consents.accountId, customer.accountId)).orderBy(desc(consents.recordedAt)).all()).toEqual([]);
    const again = await sameCookie(client, cookie).get("/privacy");
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe("/sign-in?next=%2Fprivacy");
    expect((await nonEuChat(customer.key)).status).toBe(401);
  });
});
