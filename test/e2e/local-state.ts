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
