/**
 * Local configuration: `.dev.vars` (git-ignored) is created from the committed
 * `.dev.vars.example` only when missing, and never overwritten, so whatever a
 * developer put there wins.
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Creates `.dev.vars` from the example if it does not exist; returns whether it did. */
export function ensureDevVars(dir: string): boolean {
  const target = join(dir, ".dev.vars");
  if (existsSync(target)) return false;
  copyFileSync(join(dir, ".dev.vars.example"), target);
  return true;
}

/** Parses a dotenv-style file: NAME=value lines, optional quotes, # comments. */
export function readDevVars(dir: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(join(dir, ".dev.vars"), "utf8").split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|(.*?))\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2] ?? match[3] ?? match[4] ?? "";
  }
  return vars;
}
