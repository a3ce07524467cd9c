/**
 * An email change as a takeover: someone asks for another person's address
 * on their own account and hopes that person confirms. The confirmation
 * names the account the address would join, the switch ends the account's
 * other sessions, and the new address learns which passkeys reach it.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { coreDb } from "../src/db/client";
import { insertPasskey } from "../src/db/passkeys";
import { accounts, consoleSessions } from "../src/db/schema";
import { ConsoleClient, mailTo, signedInClient } from "./helpers/console";
import { newCustomer } from "./helpers/router";

const db = () => coreDb(env.DB);
const fresh = () => `new-${crypto.randomUUID().slice(0, 8)}@example.org`;

async function account(accountId: string) {
  return (await db().select().from(accounts).where(eq(accounts.id, accountId)).get())!;
}

async function sessionCount(accountId: string): Promise<number> {
  return (await db().select().from(consoleSessions).where(eq(consoleSessions.accountId, accountId)).all()).length;
}

/** An account (named `name`) with two signed-in browsers, that asked for `email` as its new address. */
async function asking(name: string, email: string) {
  const customer = await newCustomer({ consent: false });
  await db().update(accounts).set({ name }).where(eq(accounts.id, customer.accountId));
  const first = await signedInClient(customer.accountId);
  const second = await signedInClient(customer.accountId);
  const a = await account(customer.accountId);
  const addr = a.billingAddress ?? {};
  await first.get("/privacy/details");
  const res = await first.post("/privacy/details", {
    name: a.name, company: a.company ?? "", line1: addr.line1 ?? "", line2: addr.line2 ?? "", city: addr.city ?? "",
    postal_code: addr.postal_code ?? "", country: addr.country ?? "", email,
  });
  expect(res.headers.get("location")).toBe("/privacy/details?saved=email");
  return { accountId: customer.accountId, createdAt: a.createdAt, first, second };
}

function linkIn(to: string): string {
  const url = new URL(/https:\/\/console\.test\/auth\/confirm-email\?\S+/.exec(mailTo(to).at(-1)!.text)![0]);
  return url.pathname + url.search;
}

async function pressConfirm(client: ConsoleClient, html: string): Promise<Response> {
  return client.post("/auth/confirm-email", { token: /name="token" value="([^"]+)"/.exec(html)![1]! });
}

describe("confirming a new email address", () => {
  it("names the account the address would join, in the mail and on the page", async () => {
    const victim = fresh();
    const asker = await asking("Mallory Ltd", victim);
    const created = new Date(asker.createdAt).toISOString().slice(0, 10);
    const mail = mailTo(victim).at(-1)!.text;
    expect(mail).toContain(`the Emby Router account "Mallory Ltd", created on ${created}`);
    expect(mail).toContain("Confirm only if that is your own account");
    const html = await (await new ConsoleClient().get(linkIn(victim))).text();
    expect(html).toContain(`<strong data-testid="joining-account">&quot;Mallory Ltd&quot;, created on ${created}</strong>`);
    expect(html).toContain("Confirm only if that is your own account.");
  });

  it("ends every session of the account when a browser without its session confirms, and mails the new address its passkeys", async () => {
    const victim = fresh();
    const asker = await asking("Mallory Ltd", victim);
    await insertPasskey(db(), { id: "cred-mallory", accountId: asker.accountId, publicKey: "AA", counter: 0, transports: null, name: "Mallory's key", createdAt: Date.now(), lastUsedAt: null });
    // The victim's browser, signed in to an account of its own: that session is not the asker's and stays.
    const other = await newCustomer({ consent: false });
    const browser = await signedInClient(other.accountId);
    const page = await browser.get(linkIn(victim));
    expect((await pressConfirm(browser, await page.text())).status).toBe(200);

    expect((await account(asker.accountId)).email).toBe(victim);
    expect(await sessionCount(asker.accountId)).toBe(0);
    expect((await asker.second.get("/security")).headers.get("location")).toMatch(/^\/sign-in/);
    expect(await sessionCount(other.accountId)).toBe(1);
    const notice = mailTo(victim).at(-1)!;
    expect(notice.text).toContain("- Mallory's key (added");
    expect(notice.text).toContain("https://console.test/security");
  });

  it("keeps the confirming browser's session when it is the account's own, ending the others", async () => {
    const next = fresh();
    const asker = await asking("Ada", next);
    expect(await sessionCount(asker.accountId)).toBe(2);
    const page = await asker.first.get(linkIn(next));
    expect((await pressConfirm(asker.first, await page.text())).status).toBe(200);
    expect(await sessionCount(asker.accountId)).toBe(1);
    expect((await asker.first.get("/security")).status).toBe(200);
    expect((await asker.second.get("/security")).headers.get("location")).toMatch(/^\/sign-in/);
    expect(mailTo(next).at(-1)!.text).toContain("It has no passkeys.");
  });

  it("ends no session when the confirmation is refused", async () => {
    const next = fresh();
    const asker = await asking("Ada", next);
    const link = linkIn(next);
    await asker.first.post("/privacy/details/cancel-email");
    const page = await new ConsoleClient().get(link);
    expect(page.status).toBe(200);
    expect((await pressConfirm(new ConsoleClient(), await page.text())).status).toBe(410);
    expect(await sessionCount(asker.accountId)).toBe(2);
  });
});
