/**
 * Local configuration: `.dev.vars` (git-ignored) is created from the committed
 * `.dev.vars.example` only when missing, and never overwritten, so whatever a
 * developer put there wins. A key the example gained since (the STRIPE_* keys
 * came with billing) is appended with the example's value, so an older
 * `.dev.vars` keeps working without the developer copying lines by hand.
 */
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Creates `.dev.vars` from the example if it does not exist; returns whether it did. */
export function ensureDevVars(dir: string): boolean {
  const target = join(dir, ".dev.vars");
  if (existsSync(target)) return false;
  copyFileSync(join(dir, ".dev.vars.example"), target);
  return true;
}

const LINE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|(.*?))\s*$/;

/** Parses a dotenv-style file: NAME=value lines, optional quotes, # comments. */
export function readDevVars(dir: string, file = ".dev.vars"): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
    const match = LINE.exec(line);
    if (match) vars[match[1]!] = match[2] ?? match[3] ?? match[4] ?? "";
  }
  return vars;
}

/**
 * Appends to `.dev.vars` the example's lines for keys it lacks, leaving every
 * existing line as it is; returns the keys added (none: the file is untouched).
 */
export function addMissingDevVars(dir: string): string[] {
  const target = join(dir, ".dev.vars");
  const present = readDevVars(dir);
  const added: string[] = [];
  const lines: string[] = [];
  for (const line of readFileSync(join(dir, ".dev.vars.example"), "utf8").split("\n")) {
    const name = LINE.exec(line)?.[1];
    if (name === undefined || name in present || added.includes(name)) continue;
    added.push(name);
    lines.push(line.trim());
  }
  if (added.length === 0) return added;
  const existing = readFileSync(target, "utf8");
  const separator = existing === "" || existing.endsWith("\n") ? "" : "\n";
  appendFileSync(target, `${separator}# Added by npm run dev from .dev.vars.example (keys this file lacked):\n${lines.join("\n")}\n`);
  return added;
}
