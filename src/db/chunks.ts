/**
 * D1 refuses a statement with more than 100 bound parameters in production,
 * but local D1 does not enforce it, so tests would not catch an oversized
 * statement; test/logger/consumer.test.ts counts them. Multi-row inserts bind
 * a single JSON parameter instead of one per cell (src/db/json-insert.ts).
 */
export const D1_MAX_BOUND_PARAMS = 100;

/** How a bounded purge went: rows removed, and whether nothing was left to remove. */
export interface PurgeResult {
  deleted: number;
  done: boolean;
}

/**
 * Runs a delete of at most `chunkSize` rows until it removes fewer than that
 * (nothing left) or `maxChunks` statements have run (the rest waits for the
 * next cron run). Keeps every statement and every invocation bounded.
 */
export async function deleteInChunks(deleteChunk: (limit: number) => Promise<number>, chunkSize: number, maxChunks: number): Promise<PurgeResult> {
  let deleted = 0;
  for (let i = 0; i < maxChunks; i++) {
    const n = await deleteChunk(chunkSize);
    deleted += n;
    if (n < chunkSize) return { deleted, done: true };
  }
  return { deleted, done: false };
}
