import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { issueLink } from "../src/console/auth/links";
import { coreDb } from "../src/db/client";
import { accounts, auditLog } from "../src/db/schema";
import { sha256Hex } from "../src/shared/crypto";
import { CONSOLE_LINK_TTL_MS } from "../src/shared/retention";
import { ConsoleClient, consoleEnv, mailTo, signedInClient } from "./helpers/console";
import { call, newCustomer } from "./helpers/router";

const SESSION_COOKIE = "__Host-emby_session";
const db = () => coreDb(env.DB);
const fresh = () => `new-${crypto.randomUUID().slice(0, 8)}@example.org`;

async function actorOf(client: ConsoleClient): Promise<string> {
  return `session:${(await sha256Hex(client.cookies.get(SESSION_COOKIE)!)).slice(0, 12)}`;
}

async function accountRow(accountId: string) {
  return (await db().select().from(accounts).where(eq(accounts.id, accountId)).get())!;
}

async function updates(accountId: string) {
  return db().select().from(auditLog).where(and(eq(auditLog.accountId, accountId), eq(auditLog.action, "account.update"))).all();
}

async function signedIn() {
  const customer = await newCustomer({ consent: false });
  const client = await signedInClient(customer.accountId);
  await client.get("/privacy/details");
  return { customer, client, email: (await accountRow(customer.accountId)).email };
}

/** The whole form as the page would post it, with `changes` over the account's current values. */
async function formOf(accountId: string, changes: Record<string, string> = {}): Promise<Record<string, string>> {
  const a = await accountRow(accountId);
  const addr = a.billingAddress ?? {};
  return {
    name: a.name,
    company: a.company ?? "",
    line1: addr.line1 ?? "",
    line2: addr.line2 ?? "",
    city: addr.city ?? "",
    postal_code: addr.postal_code ?? "",
    country: addr.country ?? "",
    email: a.email,
    ...changes,
  };
}

/** The confirmation link of the newest mail to `to`, as a path on the console. */
function confirmLink(to: string): string {
  const url = new URL(/https:\/\/console\.test\/auth\/confirm-email\?\S+/.exec(mailTo(to).at(-1)!.text)![0]);
  return url.pathname + url.search;
}

/** Opens the link (GET, as a person clicks it) and presses "Confirm" with the token the page carries. */
async function confirm(client: ConsoleClient, path: string): Promise<Response> {
  const page = await client.get(path);
  if (page.status !== 200) return page;
  const html = await page.text();
  expect(html).toMatch(/<button type="submit">Confirm<\/button>/);
  const token = /name="token" value="([^"]+)"/.exec(html)![1]!;
  return client.post("/auth/confirm-email", { token });
}

describe("Your details: rectification", () => {
  it("corrects name, company and billing address, auditing the field names only", async () => {
    const { customer, client } = await signedIn();
    expect(await (await client.get("/privacy")).text()).toContain("Your details");
    const form = await formOf(customer.accountId, {
      name: "Ada Lovelace",
      company: "Analytical Engines",
      line1: "12 Example Street",
      city: "Berlin",
      postal_code: "10115",
      country: "DE",
    });
    const res = await client.post("/privacy/details", form);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/privacy/details?saved=details");
    const row = await accountRow(customer.accountId);
    expect([row.name, row.company, row.billingAddress]).toEqual(["Ada Lovelace", "Analytical Engines", { line1: "12 Example Street", city: "Berlin", postal_code: "10115", country: "DE" }]);
    const page = await (await client.get("/privacy/details?saved=details")).text();
    expect(page).toContain("Your details are saved.");
    expect(page).toContain('value="Ada Lovelace"');
    expect(page).toMatch(/<option value="DE" selected="">[^<]*\(DE\)<\/option>/);

    // Clearing company and address; the name stays, so only the cleared fields are audited.
    expect((await client.post("/privacy/details", await formOf(customer.accountId, { company: "", line1: "", city: "", postal_code: "", country: "" }))).status).toBe(303);
    const cleared = await accountRow(customer.accountId);
    expect([cleared.company, cleared.billingAddress]).toEqual([null, null]);

    const actor = await actorOf(client);
    const audit = (await updates(customer.accountId)).filter((a) => a.actor === actor);
    expect(audit.map((a) => a.details)).toEqual([{ fields: ["name", "company", "billing_address"] }, { fields: ["company", "billing_address"] }]);
    expect(JSON.stringify(audit)).not.toMatch(/Ada|Analytical|Berlin|10115/);

    // The same form again changes nothing and audits nothing.
    expect((await client.post("/privacy/details", await formOf(customer.accountId))).headers.get("location")).toBe("/privacy/details?saved=nothing");
    expect(await updates(customer.accountId)).toHaveLength(2);
  });

  it("re-renders a bad form with status 400 and the message next to the field, saving nothing", async () => {
    const { customer, client } = await signedIn();
    const before = await accountRow(customer.accountId);
    for (const [field, value, message] of [
      ["country", "UK", "Choose a country from the list"],
      ["country", "de", "Choose a country from the list"],
      ["name", "  ", "Enter your name"],
      ["postal_code", "1".repeat(21), "The postal code can have up to 20 characters."],
      ["email", "not-an-address", "Enter a valid email address."],
    ] as const) {
      const res = await client.post("/privacy/details", await formOf(customer.accountId, { name: "Changed", [field]: value }));
      expect(res.status, `${field}=${value}`).toBe(400);
      const html = await res.text();
      expect(html).toMatch(new RegExp(`aria-describedby="details-${field}-error"`));
      expect(html).toMatch(new RegExp(`<p class="field-error" id="details-${field}-error">${message}`));
    }
    expect(await accountRow(customer.accountId)).toEqual(before);
    expect(await updates(customer.accountId)).toHaveLength(0);
  });

  it("refuses a post without the CSRF token or from another origin", async () => {
    const { customer, client } = await signedIn();
    const form = await formOf(customer.accountId, { name: "Mallory" });
    expect((await client.post("/privacy/details", form, { csrf: null })).status).toBe(403);
    expect((await client.post("/privacy/details", form, { origin: "https://evil.test" })).status).toBe(403);
    expect((await client.post("/privacy/details/resend", {}, { csrf: null })).status).toBe(403);
    expect((await accountRow(customer.accountId)).name).toBe("Test User");
  });

  it("changes only the session's own account", async () => {
    const a = await signedIn();
    const b = await signedIn();
    const bBefore = await accountRow(b.customer.accountId);
    // The form names no account: whatever B's values say, A's session writes A.
    expect((await a.client.post("/privacy/details", await formOf(b.customer.accountId, { name: "Only A" }))).status).toBe(303);
    expect((await accountRow(a.customer.accountId)).name).toBe("Only A");
    // B's address only waits, unconfirmable, on A.
    expect((await accountRow(a.customer.accountId)).pendingEmail).toBe(b.email);
    expect(await accountRow(b.customer.accountId)).toEqual(bBefore);
  });
});

describe("Your details: email change", () => {
  it("keeps the new address pending, mails it a link and the old one a notice; the link confirms it and sign-in follows", async () => {
    const { customer, client, email: old } = await signedIn();
    const next = fresh();
    const res = await client.post("/privacy/details", await formOf(customer.accountId, { email: next.toUpperCase() }));
    expect(res.headers.get("location")).toBe("/privacy/details?saved=email");
    expect(await accountRow(customer.accountId)).toMatchObject({ email: old, pendingEmail: next });
    expect(mailTo(next)).toHaveLength(1);
    const notice = mailTo(old).at(-1)!;
    expect(notice.subject).toBe("Your Emby Router email address is about to change");
    expect(notice.text).toContain(`to ${next}`);
    expect(notice.text).toContain("https://console.test/sign-in");
    expect(notice.text).not.toContain("confirm-email");
    const page = await (await client.get("/privacy/details?saved=email")).text();
    expect(page).toContain(`Your new address <strong>${next}</strong>`);
    expect(page).toContain("Send the confirmation link again");

    // Followed in another browser, signed out: the link is the proof of the mailbox.
    const done = await confirm(new ConsoleClient(), confirmLink(next));
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`Your email address is now <strong>${next}</strong>`);
    expect(await accountRow(customer.accountId)).toMatchObject({ email: next, pendingEmail: null });
    const audit = await updates(customer.accountId);
    expect(audit.map((a) => [a.actor, a.details])).toEqual([
      [await actorOf(client), { fields: ["pending_email"] }],
      ["console:email-link", { fields: ["email"] }],
    ]);

    const oldMails = mailTo(old).length;
    const signIn = new ConsoleClient();
    await signIn.get("/sign-in");
    await signIn.post("/sign-in", { email: next });
    expect(mailTo(next).at(-1)!.subject).toBe("Your Emby Router sign-in link");
    await signIn.post("/sign-in", { email: old });
    expect(mailTo(old)).toHaveLength(oldMails);
  });

  it("refuses a used link, an expired one, and one whose address is no longer the pending one", async () => {
    const { customer, client } = await signedIn();
    const first = fresh();
    await client.post("/privacy/details", await formOf(customer.accountId, { email: first }));
    const firstLink = confirmLink(first);
    const second = fresh();
    await client.post("/privacy/details", await formOf(customer.accountId, { email: second }));
    expect((await accountRow(customer.accountId)).pendingEmail).toBe(second);
    const stale = await confirm(new ConsoleClient(), firstLink);
    expect(stale.status).toBe(410);
    expect(await stale.text()).toContain("no longer the one waiting to be confirmed");

    const secondLink = confirmLink(second);
    expect((await confirm(new ConsoleClient(), secondLink)).status).toBe(200);
    expect((await confirm(new ConsoleClient(), secondLink)).status).toBe(410);

    await client.post("/privacy/details", await formOf(customer.accountId, { email: first }));
    const fields = { purpose: "confirm_email" as const, email: first, accountId: customer.accountId, signUp: null };
    const expired = await issueLink(consoleEnv(), fields, Date.now() - CONSOLE_LINK_TTL_MS - 1000);
    const res = await new ConsoleClient().get(`/auth/confirm-email?token=${expired}`);
    expect(res.status).toBe(410);
    expect((await new ConsoleClient().post("/auth/confirm-email", { token: expired! })).status).toBe(410);
    expect((await accountRow(customer.accountId)).email).toBe(second);
  });

  it("answers 409 when another account took the address meanwhile", async () => {
    const a = await signedIn();
    const b = await signedIn();
    const shared = fresh();
    await a.client.post("/privacy/details", await formOf(a.customer.accountId, { email: shared }));
    const aLink = confirmLink(shared);
    await b.client.post("/privacy/details", await formOf(b.customer.accountId, { email: shared }));
    expect((await confirm(new ConsoleClient(), confirmLink(shared))).status).toBe(200);
    expect((await accountRow(b.customer.accountId)).email).toBe(shared);

    const taken = await confirm(new ConsoleClient(), aLink);
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain("This email address cannot be used for this account.");
    expect((await accountRow(a.customer.accountId)).email).toBe(a.email);
    expect((await updates(a.customer.accountId)).map((x) => x.details)).toEqual([{ fields: ["pending_email"] }]);
  });

  it("answers an address another account holds as any other, and mails its holder a notice without a link", async () => {
    const a = await signedIn();
    const holder = await signedIn();
    const free = fresh();
    const answers = [];
    for (const email of [free, holder.email.toUpperCase()]) {
      const res = await a.client.post("/privacy/details", await formOf(a.customer.accountId, { email }));
      answers.push({ status: res.status, location: res.headers.get("location") });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[1]).toEqual({ status: 303, location: "/privacy/details?saved=email" });
    expect((await accountRow(a.customer.accountId)).pendingEmail).toBe(holder.email);

    const notice = mailTo(holder.email).at(-1)!;
    expect(notice.text).toContain("Someone asked to use");
    expect(notice.text).toContain("Nothing changes");
    expect(notice.text).not.toContain("/auth/confirm-email");
    // The asker's own address hears of the request as for any other.
    expect(mailTo(a.email).at(-1)!.text).toContain(holder.email);
    expect((await accountRow(holder.customer.accountId)).email).toBe(holder.email);
  });

  it("confirms through the console an address asked for with PATCH /v1/account", async () => {
    const customer = await newCustomer({ consent: false, key: { scopes: ["manage"] } });
    const next = fresh();
    const patch = await call("/v1/account", {
      method: "PATCH",
      headers: { authorization: `Bearer ${customer.key}`, "content-type": "application/json" },
      body: JSON.stringify({ email: next }),
    });
    expect(patch.status).toBe(200);
    expect(mailTo(next)).toHaveLength(0);

    const client = await signedInClient(customer.accountId);
    expect(await (await client.get("/privacy")).text()).toContain(`Your new address ${next} is waiting for confirmation.`);
    await client.get("/privacy/details");
    const resend = await client.post("/privacy/details/resend");
    expect(resend.headers.get("location")).toBe("/privacy/details?saved=resent");
    expect(await confirm(client, confirmLink(next))).toHaveProperty("status", 200);
    expect((await accountRow(customer.accountId)).email).toBe(next);
    // Confirmed from the account's own session: the audit names it.
    expect((await updates(customer.accountId)).at(-1)).toMatchObject({ actor: await actorOf(client), details: { fields: ["email"] } });
  });

  it("confirms another account's link for that account only, and the change can be cancelled", async () => {
    const a = await signedIn();
    const b = await signedIn();
    const next = fresh();
    await b.client.post("/privacy/details", await formOf(b.customer.accountId, { email: next }));
    expect((await confirm(a.client, confirmLink(next))).status).toBe(200);
    expect((await accountRow(a.customer.accountId)).email).toBe(a.email);
    expect((await accountRow(b.customer.accountId)).email).toBe(next);
    expect((await updates(b.customer.accountId)).at(-1)!.actor).toBe("console:email-link");

    const other = fresh();
    await a.client.post("/privacy/details", await formOf(a.customer.accountId, { email: other }));
    const link = confirmLink(other);
    expect((await a.client.post("/privacy/details/cancel-email")).headers.get("location")).toBe("/privacy/details?saved=cancelled");
    expect((await accountRow(a.customer.accountId)).pendingEmail).toBeNull();
    expect((await confirm(new ConsoleClient(), link)).status).toBe(410);
  });

  it("never signs in with a confirmation link, nor confirms with a sign-in link", async () => {
    const { customer, client, email } = await signedIn();
    const next = fresh();
    await client.post("/privacy/details", await formOf(customer.accountId, { email: next }));
    const token = new URL(`https://console.test${confirmLink(next)}`).searchParams.get("token")!;
    const stranger = new ConsoleClient();
    expect((await stranger.get(`/auth/link?token=${token}`)).status).toBe(410);
    expect((await stranger.post("/auth/link", { token })).status).toBe(410);
    expect(stranger.cookies.has(SESSION_COOKIE)).toBe(false);

    await stranger.post("/sign-in", { email });
    const signInToken = new URL(/https:\/\/console\.test\/auth\/link\?\S+/.exec(mailTo(email).at(-1)!.text)![0]).searchParams.get("token")!;
    expect((await stranger.post("/auth/confirm-email", { token: signInToken })).status).toBe(410);
  });
});
