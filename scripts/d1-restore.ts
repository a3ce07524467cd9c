/**
 * `npm run db:restore -- <DB|LOGS_DB|BILLING_DB> --timestamp=<t> --yes`:
 * restores one D1 database with Time Travel without bringing back an account
 * erased after the restore point (docs/erasure.md, "Restoring a database").
 *
 * 1. Saves the erasure journal from the live core database to a file
 *    (`wrangler d1 execute DB --remote --json`).
 * 2. Restores the database (`wrangler d1 time-travel restore`).
 * 3. Sends the saved journal to the router's POST /admin/v1/erasures/reapply,
 *    which puts it back into the core database and erases again, in all
 *    three databases, every account it lists.
 * If step 3 fails, the journal file is kept: `--reapply=<file>` runs step 3
 * alone. Needs ROUTER_URL and ADMIN_TOKEN in the environment, and wrangler
 * logged in to the account that holds the databases.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const DATABASES = ["DB", "LOGS_DB", "BILLING_DB"] as const;
export type Database = (typeof DATABASES)[number];

export interface JournalEntry {
  subject_hash: string;
  erased_at: number;
}

/** What the script does outside itself; tests pass fakes (no wrangler, no network). */
export interface RestoreDeps {
  /** Runs wrangler with these arguments and returns its stdout; throws if it fails. */
  wrangler: (args: readonly string[]) => string;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  writeFile: (path: string, text: string) => void;
  readFile: (path: string) => string;
  log: (line: string) => void;
}

export interface RestoreOptions {
  database: Database;
  timestamp: string;
  routerUrl: string;
  adminToken: string;
  /** Where the journal is saved before the restore. */
  journalFile: string;
}

export const JOURNAL_QUERY = "select subject_hash, erased_at from erasures order by erased_at";

/** Reads the journal from the live core database through wrangler's JSON output. */
export function saveJournal(deps: RestoreDeps, file: string): JournalEntry[] {
  const out = deps.wrangler(["d1", "execute", "DB", "--remote", "--json", "--command", JOURNAL_QUERY]);
  const parsed = JSON.parse(out) as { results?: unknown; success?: boolean }[];
  const first = parsed[0];
  if (!first?.success || !Array.isArray(first.results)) throw new Error(`unexpected output of wrangler d1 execute: ${out.slice(0, 200)}`);
  const journal = first.results.map((row) => {
    const { subject_hash, erased_at } = row as Partial<JournalEntry>;
    if (typeof subject_hash !== "string" || typeof erased_at !== "number") throw new Error("unexpected journal row");
    return { subject_hash, erased_at };
  });
  deps.writeFile(file, JSON.stringify({ journal }));
  deps.log(`Saved ${journal.length} journal entries to ${file}.`);
  return journal;
}

/** Step 3: the router re-applies the journal to all three databases. */
export async function reapply(deps: RestoreDeps, options: Pick<RestoreOptions, "routerUrl" | "adminToken">, journal: readonly JournalEntry[]): Promise<unknown> {
  const res = await deps.fetch(new URL("/admin/v1/erasures/reapply", options.routerUrl).href, {
    method: "POST",
    headers: { authorization: `Bearer ${options.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ journal }),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`re-apply answered ${res.status}: ${body.slice(0, 500)}`);
  deps.log(`Re-applied: ${body}`);
  return JSON.parse(body) as unknown;
}

/** The whole procedure: save the journal, restore, re-apply. */
export async function restoreWithErasures(deps: RestoreDeps, options: RestoreOptions): Promise<unknown> {
  const journal = saveJournal(deps, options.journalFile);
  deps.wrangler(["d1", "time-travel", "restore", options.database, `--timestamp=${options.timestamp}`, "--json"]);
  deps.log(`Restored ${options.database} to ${options.timestamp}.`);
  try {
    return await reapply(deps, options, journal);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nThe journal is saved in ${options.journalFile}; run again with --reapply=${options.journalFile}.`);
  }
}

/** Step 3 alone, from a journal file saved by an earlier run. */
export function reapplyFromFile(deps: RestoreDeps, options: Pick<RestoreOptions, "routerUrl" | "adminToken">, file: string): Promise<unknown> {
  const { journal } = JSON.parse(deps.readFile(file)) as { journal: JournalEntry[] };
  return reapply(deps, options, journal);
}

const nodeDeps: RestoreDeps = {
  wrangler(args) {
    const result = spawnSync("npx", ["wrangler", ...args], { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, maxBuffer: 256 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed:\n${result.stderr}${result.stdout}`);
    return result.stdout;
  },
  fetch: (url, init) => fetch(url, init),
  writeFile: (path, text) => writeFileSync(path, text, { mode: 0o600 }),
  readFile: (path) => readFileSync(path, "utf8"),
  log: (line) => console.log(line),
};

async function main(argv: string[]): Promise<void> {
  const flag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const routerUrl = process.env.ROUTER_URL;
  const adminToken = process.env.ADMIN_TOKEN;
  if (!routerUrl || !adminToken) throw new Error("Set ROUTER_URL and ADMIN_TOKEN.");
  const saved = flag("reapply");
  if (saved) {
    await reapplyFromFile(nodeDeps, { routerUrl, adminToken }, saved);
    return;
  }
  const database = argv.find((a) => !a.startsWith("--"));
  const timestamp = flag("timestamp");
  if (!DATABASES.includes(database as Database) || !timestamp) throw new Error(`Usage: npm run db:restore -- <${DATABASES.join("|")}> --timestamp=<RFC 3339 or Unix seconds> --yes`);
  if (!argv.includes("--yes")) throw new Error(`This overwrites ${database} with its state at ${timestamp}. Add --yes to proceed.`);
  const journalFile = `erasure-journal-${new Date().toISOString().replaceAll(":", "-")}.json`;
  await restoreWithErasures(nodeDeps, { database: database as Database, timestamp, routerUrl, adminToken, journalFile });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
