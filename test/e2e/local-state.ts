/** The local state of an end-to-end stack (D1 and Durable Object files), read as bytes for privacy scans. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface StateFile {
  path: string;
  bytes: Buffer;
}

/** Every file under `stateDir`, with its bytes. */
export function stateFiles(stateDir: string): StateFile[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(stateDir);
  return files.map((path) => ({ path, bytes: readFileSync(path) }));
}

/** The paths of the files that hold `text` (as UTF-8 bytes). */
export function filesHolding(files: readonly StateFile[], text: string): string[] {
  return files.filter((f) => f.bytes.includes(text)).map((f) => f.path);
}

/**
 * Rows of `table` in each SQLite database file under `stateDir` that has it
 * (read-only, with the stack stopped: node:sqlite, Node 22). Durable Objects'
 * storage is one SQLite file per object.
 */
export async function sqliteRows(stateDir: string, table: string, columns = "*"): Promise<{ path: string; rows: Record<string, unknown>[] }[]> {
  const { DatabaseSync } = await import("node:sqlite");
  const found: { path: string; rows: Record<string, unknown>[] }[] = [];
  for (const { path } of stateFiles(stateDir).filter((f) => f.path.endsWith(".sqlite"))) {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const exists = db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table);
      if (exists) found.push({ path, rows: db.prepare(`select ${columns} from ${table}`).all() as Record<string, unknown>[] });
    } finally {
      db.close();
    }
  }
  return found;
}
