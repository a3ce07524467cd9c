/**
 * Every console page in Chromium: an axe scan with no serious or critical
 * violation, no console error (a CSP violation is one), no script error, no
 * asset that failed to load, and a screenshot of each in
 * test-results/screenshots/ (git-ignored; docs/console-overview.png is a copy
 * of overview.png).
 */
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot, seriousA11yViolations, watchedPage } from "./browser.ts";
import { chat, grantCredits, startConsoleStack, type ConsoleStack } from "./console-stack.ts";
import { linkIn } from "../../scripts/outbox.ts";
import { createKey, lastMailId, mailTo, reloadUntil, signUp, totalRequests } from "./console-flows.ts";

let env: ConsoleStack;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  env = await startConsoleStack("a11y");
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
});

afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

/** Opens the page in a fresh tab, scans it, screenshots it; returns everything wrong with it. */
async function inspect(name: string, path: string) {
  const { page, problems } = await watchedPage(context);
  const res = await page.goto(`${env.consoleUrl}${path}`);
  await page.waitForLoadState("networkidle");
  const axe = await seriousA11yViolations(page);
  await screenshot(page, name);
  const shown = new URL(page.url()).pathname;
  await page.close();
  return { path: shown, status: res?.status(), axe, ...problems };
}

/** The page itself (not a redirect elsewhere), answered 200, with nothing wrong. */
const clean = (path: string) => ({ path, status: 200, axe: [], consoleErrors: [], pageErrors: [], failedLoads: [] });

describe("signed out", () => {
  it.each([
    ["sign-in", "/sign-in"],
    ["sign-up", "/sign-up"],
  ])("%s is accessible, keeps to the CSP, and is screenshotted", async (name, path) => {
    expect(await inspect(name, path)).toEqual(clean(path));
  });

  it("a sign-in link's page (the Continue button) is accessible, keeps to the CSP, and is screenshotted", async () => {
    const { page } = await watchedPage(context);
    const after = await lastMailId(env.consoleUrl);
    await page.goto(`${env.consoleUrl}/sign-up`);
    await page.getByLabel("Email", { exact: true }).fill("link-page@example.com");
    await page.getByLabel("Name", { exact: true }).fill("Grace Hopper");
    await page.getByLabel("I accept the privacy policy").check();
    await page.getByLabel("I accept the acceptable use policy").check();
    await page.getByLabel("I am 18 or older").check();
    await page.getByRole("button", { name: "Create account" }).click();
    const link = new URL(linkIn(await mailTo(env.consoleUrl, "link-page@example.com", after)));
    await page.close();
    const result = await inspect("sign-in-link", link.pathname + link.search);
    expect(result).toEqual(clean("/auth/link"));
  });
});

describe("signed in", () => {
  beforeAll(async () => {
    const { page } = await watchedPage(context);
    await signUp(page, env.consoleUrl, "a11y@example.com", "Ada Lovelace");
    await grantCredits(env.apiUrl, "a11y@example.com", 10);
    // The banner is scanned on the signed-out pages; answered here, it stays off the screenshots.
    await page.getByRole("button", { name: "Essential cookies only" }).click();
    await page.getByRole("region", { name: "Cookies" }).waitFor({ state: "detached" });
    const key = await createKey(page, env.consoleUrl, "production");
    await createKey(page, env.consoleUrl, "staging");
    for (let i = 0; i < 3; i++) {
      const res = await chat(env.apiUrl, key);
      expect(res.status).toBe(200);
      await res.text();
    }
    // Screenshots with the traffic in them: wait until the logger has written it.
    await page.goto(`${env.consoleUrl}/`);
    await reloadUntil(page, async () => (await totalRequests(page)) === 3);
    await page.close();
  }, 120_000);

  it.each([
    ["overview", "/"],
    ["keys", "/keys"],
    ["logs", "/logs"],
    ["models", "/models"],
    ["billing", "/billing"],
    ["privacy", "/privacy"],
    ["privacy-details", "/privacy/details"],
    ["privacy-close", "/privacy/close"],
    ["privacy-erase", "/privacy/erase"],
    ["security", "/security"],
  ])("%s is accessible, keeps to the CSP, and is screenshotted", async (name, path) => {
    expect(await inspect(name, path)).toEqual(clean(path));
  });

  it("a log's detail page is accessible, keeps to the CSP, and is screenshotted", async () => {
    const { page } = await watchedPage(context);
    await page.goto(`${env.consoleUrl}/logs`);
    const details = page.getByRole("link", { name: "Details" });
    await reloadUntil(page, async () => (await details.count()) >= 3);
    const detailPath = new URL((await details.first().getAttribute("href")) ?? "", env.consoleUrl).pathname;
    await page.close();
    expect(detailPath).toMatch(/^\/logs\/.+/);
    expect(await inspect("log-detail", detailPath)).toEqual(clean(detailPath));
  }, 120_000);

  it("a key's own page is accessible, keeps to the CSP, and is screenshotted", async () => {
    const { page } = await watchedPage(context);
    await page.goto(`${env.consoleUrl}/keys`);
    const href = await page.locator('a[href^="/keys/key_"]').first().getAttribute("href");
    await page.close();
    expect(href).toMatch(/^\/keys\/key_[0-9a-f]+$/);
    expect(await inspect("key-edit", href!)).toEqual(clean(href!));
  });

  it("the overview reflows to a 360px-wide screen: nothing but a data table is wider", async () => {
    const { page, problems } = await watchedPage(context);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${env.consoleUrl}/`);
    await page.waitForLoadState("networkidle");
    await screenshot(page, "overview-360");
    // WCAG 1.4.10 (reflow) exempts data tables: they may scroll sideways.
    const tooWide = await page.evaluate(`[...document.querySelectorAll("body *")]
      .filter((el) => !el.closest("table") && el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\\s+/g, ".") : ""))`);
    expect(tooWide).toEqual([]);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
    await page.close();
  });
});
