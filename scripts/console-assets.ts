/**
 * Copies the chart library (uPlot) and the WebAuthn browser library
 * (@simplewebauthn/browser), from node_modules, into the console's
 * static assets, so the console serves them from its own origin. Run by
 * `npm run dev`, the end-to-end tests and `npm run deploy`; the copies are
 * git-ignored.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const VENDOR = join(root, "src/console/public/assets/vendor");

export const CONSOLE_VENDOR_FILES = {
  "uplot.iife.min.js": "node_modules/uplot/dist/uPlot.iife.min.js",
  "uplot.min.css": "node_modules/uplot/dist/uPlot.min.css",
  // The WebAuthn browser library for /assets/passkeys.js; its UMD build defines window.SimpleWebAuthnBrowser.
  "simplewebauthn-browser.umd.min.js": "node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js",
} as const;

export function copyConsoleAssets(): void {
  mkdirSync(VENDOR, { recursive: true });
  for (const [name, source] of Object.entries(CONSOLE_VENDOR_FILES)) copyFileSync(join(root, source), join(VENDOR, name));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyConsoleAssets();
