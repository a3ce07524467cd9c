/**
 * Many rows in one INSERT, whatever their number: the rows travel as one JSON
 * array bound to a single parameter, and SQLite's JSON1 (`json_each`,
 * `json_extract`) unpacks them. A multi-row VALUES insert binds one parameter
 * per cell, and D1 allows 100 per statement, so a 50-event batch took ~24
 * statements, and the logger's CPU went mostly to their per-statement cost.
 *
 * The stored values are those drizzle's own insert would bind: each value goes
 * through its column's `mapToDriverValue` (a boolean column becomes 0/1), a
 * JSON null comes out of `json_extract` as SQL NULL, a JSON integer as a
 * 64-bit INTEGER (so every safe JS integer, up to 2^53 − 1, stays exact) and a
 * JSON string as TEXT. test/logger/json-insert.test.ts checks this against rows
 * written by drizzle, value and `typeof()` for every column.
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * D1 caps a string, blob or row at 2 MB; the JSON parameter stays at half of
 * that. A consumer batch (at most 500 events) of log rows is 0.2–0.4 MB, so
 * in practice this never splits, but nothing about a larger batch may reach
 * D1's limit.
 */
export const MAX_JSON_PARAM_BYTES = 1_000_000;

/**
 * The SELECTs that feed `db.insert(table).select(…)` with `rows`: one unless
 * the JSON would exceed `maxBytes`, each binding exactly one parameter. Used
 * with `.onConflictDoNothing()`, a row that conflicts with a stored row, or
 * with an earlier row of the same statement, is skipped, as with `.values()`.
 * (A raw `db.run(sql)` would be shorter, but drizzle 0.45 cannot batch a raw
 * statement that has parameters.)
 *
 * The SELECT yields every column in definition order, the order drizzle lists
 * them in the INSERT. A value left undefined is NULL, as drizzle writes it for
 * a column without a default. A column with a default must have a value in
 * every row (the SELECT cannot fall back to the default), and generated
 * columns are refused, rather than silently given NULL or a misaligned
 * column list.
 */
export function jsonRowSelects<T extends SQLiteTable>(table: T, rows: readonly T["$inferInsert"][], maxBytes: number = MAX_JSON_PARAM_BYTES): SQL[] {
  const columns = Object.entries(getTableColumns(table));
  const given = (key: string) => rows.every((row) => (row as Record<string, unknown>)[key] !== undefined);
  const unsupported = columns.filter(([key, c]) => (c.hasDefault && !given(key)) || c.generated !== undefined).map(([, c]) => c.name);
  if (unsupported.length > 0) throw new Error(`jsonRowSelects: columns with defaults left out of a row, or generated values (${unsupported.join(", ")}), are not supported`);

  // Each row is a JSON array in column order (no repeated keys: half the size).
  const encoded = rows.map((row) =>
    JSON.stringify(
      columns.map(([key, column]) => {
        const value = (row as Record<string, unknown>)[key];
        if (value === undefined && column.hasDefault) throw new Error(`jsonRowSelects: ${column.name} has a default and must be given`);
        return value === undefined || value === null ? null : column.mapToDriverValue(value);
      }),
    ),
  );
  // The index is a number from the loop, so inlining the path is safe and keeps the statement at one parameter.
  const values = sql.join(
    columns.map(([, c], i) => sql`${sql.raw(`json_extract(value, '$[${i}]')`)} as ${sql.identifier(c.name)}`),
    sql`, `,
  );
  // `where true`: without a WHERE, SQLite parses the insert's ON CONFLICT as a join constraint of this SELECT.
  return jsonArrays(encoded, maxBytes).map((json) => sql`select ${values} from json_each(${json}) where true`);
}

/**
 * Joins encoded rows into JSON arrays of at most `maxBytes` of UTF-8 each (a
 * single larger row goes alone).
 */
export function jsonArrays(encodedRows: readonly string[], maxBytes: number): string[] {
  const arrays: string[] = [];
  let current: string[] = [];
  let bytes = 2; // "[" and "]"
  for (const row of encodedRows) {
    const rowBytes = utf8Length(row) + 1; // and its comma
    if (current.length > 0 && bytes + rowBytes > maxBytes) {
      arrays.push(`[${current.join(",")}]`);
      current = [];
      bytes = 2;
    }
    current.push(row);
    bytes += rowBytes;
  }
  if (current.length > 0) arrays.push(`[${current.join(",")}]`);
  return arrays;
}

/** Bytes of a string in UTF-8, counted without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}
