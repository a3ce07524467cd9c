/**
 * Steps of the console's UI contract (docs/console-testing.md), shared by the
 * browser tests: they find fields, buttons and tables by their labels, names
 * and test ids, as a person or a screen reader does.
 */
import { strFromU8, unzipSync } from "fflate";
import { expect } from "vitest";
import type { Locator, Page } from "playwright-core";
import { linkIn, readOutbox, type OutboxMail } from "../../scripts/outbox.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The id of the newest mail in the outbox (0 when empty): pass it to `mailTo` as `after`. */
export async function lastMailId(consoleUrl: string): Promise<number> {
  const mail = await readOutbox(consoleUrl);
  return mail.at(-1)?.id ?? 0;
}

/** The mail sent to `to` after mail id `after`, polled a bounded number of times. */
export async function mailTo(consoleUrl: string, to: string, after: number): Promise<OutboxMail> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const found = (await readOutbox(consoleUrl, after)).find((m) => m.to === to);
    if (found) return found;
    await sleep(250);
  }
  throw new Error(`no mail to ${to} arrived in the outbox`);
}

/** Mail sent to `to` after mail id `after`, read once. */
export async function mailsTo(consoleUrl: string, to: string, after: number): Promise<OutboxMail[]> {
  return (await readOutbox(consoleUrl, after)).filter((m) => m.to === to);
}

/** Opens the link of the mail and presses "Continue" (the link's GET must not sign in by itself); ends on the overview. */
export async function followLink(page: Page, consoleUrl: string, mail: OutboxMail): Promise<void> {
  const link = linkIn(mail);
  expect(link.startsWith(`${consoleUrl}/auth/link?token=`), link).toBe(true);
  await page.goto(link);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${consoleUrl}/`);
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** Signs up through /sign-up and the link mailed to the address; ends signed in on the overview. */
export async function signUp(page: Page, consoleUrl: string, email: string, name = "Browser Test"): Promise<void> {
  const after = await lastMailId(consoleUrl);
  await page.goto(`${consoleUrl}/sign-up`);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("I accept the privacy policy").check();
  await page.getByLabel("I accept the acceptable use policy").check();
  await page.getByLabel("I am 18 or older").check();
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByText("Check your email").first().waitFor();
  await followLink(page, consoleUrl, await mailTo(consoleUrl, email, after));
}

/** Asks /sign-in for a link; the page says "Check your email" whether or not the address has an account. */
export async function requestSignIn(page: Page, consoleUrl: string, email: string): Promise<void> {
  await page.goto(`${consoleUrl}/sign-in`);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByText("Check your email").first().waitFor();
}

/** Creates a key on /keys; returns the key, shown once in `<code data-testid="new-key">`. */
export async function createKey(page: Page, consoleUrl: string, name: string): Promise<string> {
  await page.goto(`${consoleUrl}/keys`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-key").textContent())?.trim() ?? "";
  expect(key).toMatch(/^emby_sk_[0-9A-Za-z]{38}$/);
  return key;
}

/** The keys table's row naming the key. */
export function keyRow(page: Page, name: string): Locator {
  return page.getByRole("row").filter({ hasText: name });
}

/** The text of the row headed `header` in the table `<table data-testid=...>`; "" when there is no such row. */
export async function rowText(page: Page, tableTestId: string, header: string): Promise<string> {
  const row = page.getByTestId(tableTestId).getByRole("row").filter({ has: page.getByRole("rowheader", { name: header, exact: true }) });
  return (await row.count()) === 1 ? ((await row.textContent()) ?? "") : "";
}

/** The overview's total of requests, once the totals table shows one. */
export async function totalRequests(page: Page): Promise<number | null> {
  const match = /\d[\d,]*/.exec((await rowText(page, "totals", "Requests")).replace("Requests", ""));
  return match ? Number(match[0].replaceAll(",", "")) : null;
}

/**
 * Reloads the page until `ready` holds: the logger writes a request's row
 * from a queue, a moment after the API answered (its batches wait up to 5 s,
 * and much longer on a busy 2-core machine running other test files).
 * Bounded by attempts, generously: about a minute of half-second pauses.
 */
export async function reloadUntil(page: Page, ready: () => Promise<boolean>, attempts = 120): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await ready()) return;
    await sleep(500);
    await page.reload();
  }
  throw new Error(`${page.url()} never showed what the test waited for`);
}

/**
 * The CSV export's tables by file name: the API's CSV export is a zip of one
 * CSV file per dataset (src/self-service/export/zip.ts); a bare CSV is taken
 * as one file.
 */
export function csvExportTables(bytes: Uint8Array): Record<string, string[][]> {
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  const files = isZip ? unzipSync(bytes) : { "export.csv": bytes };
  return Object.fromEntries(Object.entries(files).map(([name, data]) => [name, parseCsv(strFromU8(data))]));
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF); throws on an unclosed quote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const endRow = () => {
    row.push(field);
    rows.push(row);
    row = [];
    field = "";
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"' && (quoted || field === "")) {
      quoted = !quoted;
    } else if (quoted) {
      field += ch;
    } else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRow();
    } else {
      field += ch;
    }
  }
  if (quoted) throw new Error("CSV ends inside a quoted field");
  if (field !== "" || row.length > 0) endRow();
  return rows;
}
