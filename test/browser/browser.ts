/**
 * Chromium for the console's browser tests: Debian's package (CHROMIUM_PATH
 * overrides the path), driven by playwright-core. Every page opened through
 * `watchedPage` records its console messages, page errors and failed
 * subresource loads, so a test can assert that the CSP held (Chromium reports
 * a CSP violation as a console error starting "Refused to").
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const SCREENSHOT_DIR = "test-results/screenshots";

export async function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
}

export interface PageProblems {
  /** Console messages of type "error" (CSP violations among them). */
  consoleErrors: string[];
  /** Uncaught exceptions in the page's scripts. */
  pageErrors: string[];
  /** Subresources (scripts, styles, images) that failed or answered >= 400. */
  failedLoads: string[];
}

export interface WatchedPage {
  page: Page;
  problems: PageProblems;
}

/** A new page in the context, recording everything that went wrong on it. */
export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedLoads: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.pageErrors.push(`${page.url()}: ${error.message}`));
  page.on("requestfailed", (request) => {
    if (request.resourceType() !== "document") problems.failedLoads.push(`${request.url()}: ${request.failure()?.errorText ?? "failed"}`);
  });
  page.on("response", (response) => {
    if (response.request().resourceType() !== "document" && response.status() >= 400) problems.failedLoads.push(`${response.url()}: ${response.status()}`);
  });
  return { page, problems };
}

/** Console errors that are Content-Security-Policy violations. */
export function cspViolations(problems: PageProblems): string[] {
  return problems.consoleErrors.filter((text) => text.includes("Refused to") || text.includes("Content Security Policy"));
}

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Scans the page with axe; returns the serious and critical violations (the ones a page must not have). */
export async function seriousA11yViolations(page: Page): Promise<AxeFinding[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact ?? "", help: v.help, targets: v.nodes.map((n) => n.target.join(" ")) }));
}

/** Writes a full-page screenshot to test-results/screenshots/<name>.png (git-ignored); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
