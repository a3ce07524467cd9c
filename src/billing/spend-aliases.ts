/**
 * Which key's spend counter a key draws on. A rotated key's replacement
 * copies its budget, so it must also continue its spend: otherwise each
 * rotation would start the budget period afresh while the old key, in its
 * grace period, keeps spending on its own counter. A rotation therefore
 * tells the limiter (AccessChange.rotations) that the new key counts under
 * the old key's counter, resolved to the first key of the rotation chain, so
 * A → B → C all draw on A's. Kept until erasure: one row per rotation.
 */

/** The object's table, by column: the privacy data map lists it (CREDIT_TABLES). */
export const SPEND_ALIAS_COLUMNS = ["key_id", "spend_key_id"] as const;

export class SpendAliases {
  private readonly aliases = new Map<string, string>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec("create table if not exists credit_key_alias (key_id text primary key, spend_key_id text not null)");
    for (const r of sql.exec<{ key_id: string; spend_key_id: string }>("select * from credit_key_alias")) this.aliases.set(r.key_id, r.spend_key_id);
  }

  /** The key whose counter `keyId` spends on: the first key of its rotation chain (itself if never rotated into). */
  spendKeyOf(keyId: string): string {
    return this.aliases.get(keyId) ?? keyId;
  }

  /**
   * The key made by rotating `oldKeyId` spends on the old key's counter. A key
   * gets its alias once, when it is made; a repeat (a retried push) changes
   * nothing.
   */
  record(oldKeyId: string, newKeyId: string): void {
    const spendKeyId = this.spendKeyOf(oldKeyId);
    if (this.aliases.has(newKeyId) || newKeyId === spendKeyId) return;
    this.aliases.set(newKeyId, spendKeyId);
    this.sql.exec("insert or ignore into credit_key_alias (key_id, spend_key_id) values (?, ?)", newKeyId, spendKeyId);
  }

  /** The keys that spend on another key's counter. */
  aliased(): IterableIterator<string> {
    return this.aliases.keys();
  }

  clear(): void {
    this.aliases.clear();
    this.sql.exec("delete from credit_key_alias");
  }
}
