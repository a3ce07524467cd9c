/**
 * The console's journey in Chromium, end to end against the real workers:
 * sign up → follow the mailed link → create a key → call the API with it →
 * the overview and the request log show the call → both exports download
 * and parse → revoke the key and the API refuses it → erase the account, and
 * the session is gone and signing in sends no mail.
 */
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cspViolations, launchChromium, screenshot, watchedPage, type PageProblems } from "./browser.ts";
import { chat, grantCredits, startConsoleStack, type ConsoleStack } from "./console-stack.ts";
import { createKey, csvExportTables, keyRow, lastMailId, mailTo, mailsTo, reloadUntil, requestSignIn, rowText, signUp, totalRequests } from "./console-flows.ts";

const EMAIL = "journey@example.com";
const MODEL = "mistral/mistral-small-latest";
const KEY_NAME = "journey key";

let env: ConsoleStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;

beforeAll(async () => {
  env = await startConsoleStack("journey");
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true });
  ({ page, problems } = await watchedPage(context));
});

afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

async function download(page: Page, linkName: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: linkName }).click()]);
  return readFileSync(await file.path());
}

it("signs up, uses a key, sees the call, exports, revokes, and erases the account", { timeout: 240_000 }, async () => {
  const { consoleUrl, apiUrl } = env;
  await signUp(page, consoleUrl, EMAIL, "Journey");
  await grantCredits(apiUrl, EMAIL, 10);

  const key = await createKey(page, consoleUrl, KEY_NAME);
  await expect.poll(() => page.getByRole("button", { name: "Copy" }).count()).toBeGreaterThan(0);
  const row = keyRow(page, KEY_NAME);
  expect(await row.count()).toBe(1);
  expect(await row.getByRole("button", { name: "Rotate" }).count()).toBe(1);
  expect(await row.getByRole("button", { name: "Revoke" }).count()).toBe(1);
  // Shown once: the key is not on the keys page opened again. (Not a reload:
  // the key is shown on the POST's own answer, which a reload would post again.)
  await page.goto(`${consoleUrl}/keys`);
  expect(await keyRow(page, KEY_NAME).count()).toBe(1);
  expect(await page.content()).not.toContain(key);

  const res = await chat(apiUrl, key);
  expect(res.status, await res.clone().text()).toBe(200);
  await res.text();
  const requestId = res.headers.get("x-request-id") ?? "";
  expect(requestId).not.toBe("");

  // The overview counts the call once the logger has written it.
  await page.goto(`${consoleUrl}/`);
  await reloadUntil(page, async () => (await totalRequests(page)) === 1);
  expect(await rowText(page, "totals", "Tokens")).toMatch(/[1-9]/);
  expect(await rowText(page, "totals", "Cost")).not.toBe("");
  expect(await page.getByRole("table").filter({ hasText: MODEL }).count()).toBeGreaterThan(0);
  await screenshot(page, "journey-overview");

  // The request log lists it, and its detail page opens.
  await page.goto(`${consoleUrl}/logs`);
  const logRow = page.getByRole("row").filter({ hasText: MODEL });
  await reloadUntil(page, async () => (await logRow.count()) > 0);
  const details = page.getByRole("link", { name: "Details" }).and(page.locator(`a[href$="/logs/${requestId}"]`));
  expect(await details.count()).toBe(1);
  await details.click();
  await page.waitForURL(`${consoleUrl}/logs/${requestId}`);
  expect(await page.textContent("main")).toContain(MODEL);

  // Both exports download and parse, and hold the account.
  await page.goto(`${consoleUrl}/privacy`);
  const exported = JSON.parse((await download(page, "Download export (JSON)")).toString("utf8")) as unknown;
  expect(JSON.stringify(exported)).toContain(EMAIL);
  expect(JSON.stringify(exported)).toContain(KEY_NAME);
  const tables = Object.values(csvExportTables(await download(page, "Download export (CSV)")));
  expect(tables.length).toBeGreaterThan(0);
  expect(tables.flat(2)).toContain(EMAIL);
  expect(tables.flat(2)).toContain(KEY_NAME);

  // Revoked, the key is refused at once.
  await page.goto(`${consoleUrl}/keys`);
  await keyRow(page, KEY_NAME).getByRole("button", { name: "Revoke" }).click();
  await page.waitForLoadState();
  const refused = await chat(apiUrl, key);
  expect(refused.status).toBe(401);
  await refused.text();

  // Erased after two confirmations: the session ends, and a sign-in sends no mail.
  const oldSession = (await context.cookies()).find((c) => c.name === "__Host-emby_session");
  expect(oldSession).toBeDefined();
  await page.goto(`${consoleUrl}/privacy`);
  await page.getByRole("button", { name: "Erase my account now" }).click();
  await page.getByLabel("Type your email to confirm").fill(EMAIL);
  await page.getByRole("button", { name: "Erase everything now" }).click();
  await page.getByText("Your account has been erased").first().waitFor();
  const session = (await context.cookies()).find((c) => c.name === "__Host-emby_session");
  expect(session).toBeUndefined();
  await page.goto(`${consoleUrl}/`);
  expect(new URL(page.url()).pathname).toBe("/sign-in");
  // The old cookie, replayed from elsewhere, opens nothing either.
  const replay = await browser.newContext();
  await replay.addCookies(oldSession ? [oldSession] : []);
  const replayed = await replay.newPage();
  await replayed.goto(`${consoleUrl}/`);
  expect(new URL(replayed.url()).pathname).toBe("/sign-in");
  await replay.close();

  // Mail goes out after the answer (so its timing tells nothing): a second
  // request, for an address that does get mail, is waited for, and by then
  // the first has been handled too.
  const after = await lastMailId(consoleUrl);
  await requestSignIn(page, consoleUrl, EMAIL);
  const control = `control-${EMAIL}`;
  await page.goto(`${consoleUrl}/sign-up`);
  await page.getByLabel("Email", { exact: true }).fill(control);
  await page.getByLabel("Name", { exact: true }).fill("Control");
  await page.getByLabel("I accept the privacy policy").check();
  await page.getByLabel("I accept the acceptable use policy").check();
  await page.getByLabel("I am 18 or older").check();
  await page.getByRole("button", { name: "Create account" }).click();
  await mailTo(consoleUrl, control, after);
  expect(await mailsTo(consoleUrl, EMAIL, after)).toEqual([]);

  expect(cspViolations(problems)).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});
