import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { closeAccount, createAccount, currentConsent } from "../src/db/accounts";
import { agreementsOf } from "../src/db/agreements";
import { coreDb } from "../src/db/client";
import { eraseAccountEverywhere, erasureDbs } from "../src/db/erasure";
import { accounts, signInLinks } from "../src/db/schema";
import { sha256Hex } from "../src/shared/crypto";
import { POLICY_VERSIONS } from "../src/shared/policies";
import { ConsoleClient, consoleFetch, mailTo } from "./helpers/console";

const db = coreDb(env.DB);
const address = () => `person-${crypto.randomUUID().slice(0, 8)}@example.com`;

const SIGN_UP = { name: "Ada Lovelace", privacy_policy: "yes", acceptable_use: "yes", age_18_plus: "yes" };

/** The link of the newest mail to `to`, as a path on the console, and its token. */
function lastLink(to: string): { path: string; token: string } {
  const mails = mailTo(to);
  const url = new URL(/https:\/\/console\.test\/auth\/link\?\S+/.exec(mails.at(-1)!.text)![0]);
  return { path: url.pathname + url.search, token: url.searchParams.get("token")! };
}

async function follow(client: ConsoleClient, path: string): Promise<Response> {
  const page = await client.get(path);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain(">Continue</button>");
  const linkForm = /<form method="post" action="\/auth\/link"[\s\S]*?<\/form>/.exec(html)![0];
  const fields = [...linkForm.matchAll(/<input type="hidden" name="(token|next)" value="([^"]*)"/g)];
  const form = Object.fromEntries(fields.map((m) => [m[1]!, m[2]!.replaceAll("&amp;", "&")]));
  return client.post("/auth/link", form);
}

async function accountOf(email: string) {
  return db.query.accounts.findFirst({ where: eq(accounts.email, email) });
}

describe("sign-up", () => {
  it("shows the form with the contract's labels", async () => {
    const html = await (await consoleFetch("/sign-up")).text();
    for (const label of ["Email", "Name", "I accept the privacy policy", "I accept the acceptable use policy", "I am 18 or older", "Send me product updates"]) {
      expect(html).toMatch(new RegExp(`<label for="[a-z_0-9]+">${label}</label>`));
    }
    expect(html).toContain(">Create account</button>");
  });

  it("creates a free account with its agreements only once the emailed link is followed", async () => {
    const email = address();
    const client = new ConsoleClient();
    const answer = await client.post("/sign-up", { email, ...SIGN_UP, product_updates: "yes" });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain("Check your email");
    expect(await accountOf(email)).toBeUndefined();
    expect(mailTo(email)).toHaveLength(1);

    const res = await follow(client, lastLink(email).path);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const account = (await accountOf(email))!;
    expect(account).toMatchObject({ tier: "free", name: "Ada Lovelace", status: "active" });
    const accepted = (await agreementsOf(db, account.id)).map((a) => [a.document, a.version, a.source]);
    expect(accepted.sort()).toEqual(
      [
        ["acceptable_use", POLICY_VERSIONS.acceptable_use, "console"],
        ["age_18_plus", POLICY_VERSIONS.age_18_plus, "console"],
        ["privacy_policy", POLICY_VERSIONS.privacy_policy, "console"],
      ].sort(),
    );
    expect((await currentConsent(db, account.id, "product_updates"))?.granted).toBe(true);
    expect((await client.get("/security")).status).toBe(200);
  });

  it("records no product-updates consent when the box is left unticked", async () => {
    const email = address();
    const client = new ConsoleClient();
    await client.post("/sign-up", { email, ...SIGN_UP });
    await follow(client, lastLink(email).path);
    expect(await currentConsent(db, (await accountOf(email))!.id, "product_updates")).toBeNull();
  });

  it("re-renders the form with a message and 400 when an agreement is missing, and sends nothing", async () => {
    const email = address();
    const res = await new ConsoleClient().post("/sign-up", { email, name: "Ada", privacy_policy: "yes", acceptable_use: "yes" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Confirm that you are 18 or older");
    expect(html).toContain(`value="${email}"`);
    expect(mailTo(email)).toHaveLength(0);
  });

  it("sends a sign-in link, not a second account, to an address that already has one", async () => {
    const email = address();
    const existing = (await createAccount(db, { email, name: "Existing", tier: "pro" }, "admin"))!;
    const client = new ConsoleClient();
    expect(await (await client.post("/sign-up", { email, ...SIGN_UP })).text()).toContain("Check your email");
    expect(mailTo(email).at(-1)!.subject).toBe("Your Emby Router sign-in link");
    const res = await follow(client, lastLink(email).path);
    expect(res.status).toBe(303);
    const rows = await db.select().from(accounts).where(eq(accounts.email, email));
    expect(rows.map((r) => [r.id, r.tier])).toEqual([[existing.id, "pro"]]);
  });
});

describe("sign-in links", () => {
  async function signInMail(): Promise<{ email: string; accountId: string; link: { path: string; token: string } }> {
    const email = address();
    const account = (await createAccount(db, { email, name: "Reader", tier: "free" }, "admin"))!;
    await new ConsoleClient().post("/sign-in", { email });
    return { email, accountId: account.id, link: lastLink(email) };
  }

  it("sets the session cookie with __Host- prefix, HttpOnly, Secure, SameSite=Lax, Path=/ and no Domain", async () => {
    const { link } = await signInMail();
    const res = await follow(new ConsoleClient(), link.path);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^__Host-emby_session=[A-Za-z0-9_-]{43}; Max-Age=1209600; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(cookies[0]).not.toMatch(/domain/i);
  });

  it("works once: a second use answers that the link does not work", async () => {
    const { link } = await signInMail();
    expect((await follow(new ConsoleClient(), link.path)).status).toBe(303);
    const again = await new ConsoleClient().get(link.path);
    expect(again.status).toBe(410);
    const replay = await new ConsoleClient().post("/auth/link", { token: link.token });
    expect(replay.status).toBe(410);
    expect(replay.headers.getSetCookie()).toEqual([]);
  });

  it("is not spent by opening it (mail scanners fetch links)", async () => {
    const { link } = await signInMail();
    expect((await consoleFetch(link.path)).status).toBe(200);
    expect((await consoleFetch(link.path)).status).toBe(200);
    expect((await follow(new ConsoleClient(), link.path)).status).toBe(303);
  });

  it("expires 15 minutes after it was sent", async () => {
    const { link } = await signInMail();
    const hash = await sha256Hex(link.token);
    const row = (await db.query.signInLinks.findFirst({ where: eq(signInLinks.tokenHash, hash) }))!;
    expect(row.expiresAt - row.createdAt).toBe(15 * 60 * 1000);
    await db.update(signInLinks).set({ expiresAt: Date.now() - 1 }).where(eq(signInLinks.tokenHash, hash));
    const res = await new ConsoleClient().post("/auth/link", { token: link.token });
    expect(res.status).toBe(410);
    expect(await res.text()).toContain("expired or was already used");
  });

  it("is stored only as the SHA-256 of its token", async () => {
    const { email, link } = await signInMail();
    const rows = await db.select().from(signInLinks).where(eq(signInLinks.email, email));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(await sha256Hex(link.token));
    expect(JSON.stringify(rows)).not.toContain(link.token);
  });

  it("refuses to sign in to an account closed after the link was sent", async () => {
    const { accountId, link } = await signInMail();
    await closeAccount(db, accountId, Date.now(), "admin");
    const res = await follow(new ConsoleClient(), link.path);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("This account is closed");
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("lands on a same-origin `next`, and on / for an absolute or protocol-relative one", async () => {
    for (const [next, landing] of [
      ["/keys?x=1", "/keys?x=1"],
      ["https://evil.test/", "/"],
      ["//evil.test/", "/"],
      ["/\\evil.test", "/"],
    ] as const) {
      const email = address();
      await createAccount(db, { email, name: "Next", tier: "free" }, "admin");
      await new ConsoleClient().post("/sign-in", { email, next });
      const res = await follow(new ConsoleClient(), lastLink(email).path);
      expect(res.headers.get("location")).toBe(landing);
    }
  });
});

describe("no account enumeration", () => {
  const page = async (email: string) => (await (await new ConsoleClient().post("/sign-in", { email })).text()).replaceAll(email, "ADDRESS");

  it("answers every address alike and mails only an account that may sign in", async () => {
    const known = address();
    const closed = address();
    const terminated = address();
    const unknown = address();
    await createAccount(db, { email: known, name: "K", tier: "free" }, "admin");
    const c = (await createAccount(db, { email: closed, name: "C", tier: "free" }, "admin"))!;
    await closeAccount(db, c.id, Date.now(), "admin");
    const t = (await createAccount(db, { email: terminated, name: "T", tier: "free" }, "admin"))!;
    await db.update(accounts).set({ status: "terminated" }).where(eq(accounts.id, t.id));

    const answers = await Promise.all([known, closed, terminated, unknown].map(page));
    expect(answers[0]).toContain("Check your email");
    expect(new Set(answers).size).toBe(1);
    expect(mailTo(known)).toHaveLength(1);
    for (const silent of [closed, terminated, unknown]) expect(mailTo(silent)).toHaveLength(0);
    expect(await db.select().from(signInLinks).where(eq(signInLinks.email, unknown))).toEqual([]);
  });

  it("sends at most 5 links per address in 15 minutes, with the same answer", async () => {
    const email = address();
    await createAccount(db, { email, name: "Many", tier: "free" }, "admin");
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await page(email));
    expect(new Set(answers).size).toBe(1);
    expect(mailTo(email)).toHaveLength(5);
  });
});

it("erasure deletes the links sent to the account's address, sign-up links included", async () => {
  const email = address();
  const client = new ConsoleClient();
  await client.post("/sign-up", { email, ...SIGN_UP });
  await follow(client, lastLink(email).path);
  await new ConsoleClient().post("/sign-in", { email });
  expect(await db.select().from(signInLinks).where(eq(signInLinks.email, email))).toHaveLength(2);
  const account = (await accountOf(email))!;
  await eraseAccountEverywhere(erasureDbs(env), account.id, Date.now(), { chunkRows: 100, maxChunks: 1 });
  expect(await db.select().from(signInLinks).where(eq(signInLinks.email, email))).toEqual([]);
  expect(await agreementsOf(db, account.id)).toEqual([]);
});
