/**
 * Work that waits a short window in this isolate for more of its kind, so
 * that one call carries it all: the limiter's releases (per account) and the
 * log events (per queue binding). Each caller waits in its own request's
 * context and checks afterwards whether its item is still waiting; the first
 * to find it there takes everything waiting under that key and sends it. No
 * request awaits another request's promise or I/O, which workerd forbids or
 * cancels; a request cut short before its wait ended leaves its items to the
 * next caller.
 */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Coalescer<K, T> {
  private readonly waiting = new Map<K, T[]>();

  /** `maxItems`: a batch that reaches it is taken at once by the caller that filled it. */
  constructor(private readonly maxItems = Number.POSITIVE_INFINITY) {}

  /**
   * Adds `item` under `key` and waits `windowMs` (not when the batch is full).
   * Resolves to the batch this caller must send, or null when another caller
   * took the item meanwhile.
   */
  async join(key: K, item: T, windowMs: number): Promise<T[] | null> {
    const batch = this.waiting.get(key);
    if (batch) batch.push(item);
    else this.waiting.set(key, [item]);
    if ((batch?.length ?? 1) < this.maxItems) {
      await sleep(windowMs);
      if (!this.waiting.get(key)?.includes(item)) return null;
    }
    return this.take(key);
  }

  /** Takes everything waiting under `key` (e.g. an admission carrying releases). */
  take(key: K): T[] {
    const batch = this.waiting.get(key) ?? [];
    this.waiting.delete(key);
    return batch;
  }

  /** Puts taken items back in front, when the call that carried them may have failed. */
  restore(key: K, items: readonly T[]): void {
    if (items.length > 0) this.waiting.set(key, [...items, ...(this.waiting.get(key) ?? [])]);
  }
}
