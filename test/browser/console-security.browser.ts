/**
 * The console's session cookie and CSRF defence as Chromium sees them: the
 * cookie's flags as the browser stored them, and a form on another origin
 * that posts to the console (the attack CSRF protection exists for) refused
 * with a 403 that changes nothing.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, watchedPage } from "./browser.ts";
import { createKey, keyRow, signUp } from "./console-flows.ts";
import { startConsoleStack, type ConsoleStack } from "./console-stack.ts";

let env: ConsoleStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let attacker: Server;
let attackerUrl: string;
/** The form the attacker's page auto-submits, set per test. */
let attack = { action: "", fields: {} as Record<string, string> };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

beforeAll(async () => {
  env = await startConsoleStack("security");
  // Another origin (same host, another port: same-site, so the browser sends
  // the SameSite=Lax cookie and only the console's own checks stand between).
  attacker = createServer((_req, res) => {
    const inputs = Object.entries(attack.fields).map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`);
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(`<!doctype html><title>Win a prize</title><form method="post" action="${escapeHtml(attack.action)}">${inputs.join("")}</form><script>document.forms[0].submit()</script>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  browser = await launchChromium();
  context = await browser.newContext();
  ({ page } = await watchedPage(context));
  await signUp(page, env.consoleUrl, "security@example.com");
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => attacker?.close(r));
  await env?.stop();
});

describe("the session cookie", () => {
  it("is __Host-, HttpOnly, Secure, SameSite=Lax, Path=/ and host-only", async () => {
    const cookies = (await context.cookies(env.consoleUrl)).filter((c) => c.name === "__Host-emby_session");
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/", domain: "127.0.0.1" });
    // HttpOnly: the page's scripts cannot read it.
    expect(String(await page.evaluate("document.cookie"))).not.toContain("emby_session");
  });
});

/** The action and fields of the form a button submits, all but its CSRF token: what another site could copy. */
async function formWithoutToken(button: Locator): Promise<{ action: string; fields: Record<string, string> }> {
  const form = button.locator("xpath=ancestor::form");
  const action = new URL((await form.getAttribute("action")) ?? "", env.consoleUrl);
  const fields: Record<string, string> = {};
  for (const input of await form.locator("input[type=hidden]").all()) {
    const name = (await input.getAttribute("name")) ?? "";
    if (name && name !== "_csrf") fields[name] = (await input.getAttribute("value")) ?? "";
  }
  const name = await button.getAttribute("name");
  if (name) fields[name] = (await button.getAttribute("value")) ?? "";
  return { action: action.pathname + action.search, fields };
}

describe("a form posted from another origin", () => {
  /** Opens the attacker's page and returns the console's answer to the form it submits. */
  async function submitAttack(path: string, fields: Record<string, string>): Promise<number> {
    attack = { action: `${env.consoleUrl}${path}`, fields };
    const victim = await context.newPage();
    const answer = victim.waitForResponse((r) => r.url() === attack.action && r.request().method() === "POST");
    await victim.goto(attackerUrl);
    const status = (await answer).status();
    await victim.close();
    return status;
  }

  it("cannot create a key", async () => {
    expect(await submitAttack("/keys", { name: "planted by another site" })).toBe(403);
    await page.goto(`${env.consoleUrl}/keys`);
    expect(await keyRow(page, "planted by another site").count()).toBe(0);
  });

  it("cannot sign the person out", async () => {
    expect(await submitAttack("/sign-out", {})).toBe(403);
    await page.goto(`${env.consoleUrl}/`);
    expect(new URL(page.url()).pathname).toBe("/");
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(1);
  });

  it("cannot revoke a key with a copy of the console's own form (all but its CSRF token)", async () => {
    await createKey(page, env.consoleUrl, "kept key");
    await page.goto(`${env.consoleUrl}/keys`);
    const revoke = keyRow(page, "kept key").getByRole("button", { name: "Revoke" });
    const form = await formWithoutToken(revoke);
    expect(form.action).not.toBe("");
    expect(await submitAttack(form.action, form.fields)).toBe(403);
    await page.goto(`${env.consoleUrl}/keys`);
    expect(await keyRow(page, "kept key").getByRole("button", { name: "Revoke" }).count()).toBe(1);
  });
});

describe("signing out", () => {
  it("clears the cookie, and the old cookie replayed opens nothing", async () => {
    const old = (await context.cookies(env.consoleUrl)).find((c) => c.name === "__Host-emby_session");
    expect(old).toBeDefined();
    await page.goto(`${env.consoleUrl}/`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForLoadState();
    expect((await context.cookies(env.consoleUrl)).find((c) => c.name === "__Host-emby_session")).toBeUndefined();
    const replay = await browser.newContext();
    await replay.addCookies(old ? [old] : []);
    const replayed = await replay.newPage();
    await replayed.goto(`${env.consoleUrl}/keys`);
    expect(new URL(replayed.url()).pathname).toBe("/sign-in");
    await replay.close();
  });
});
