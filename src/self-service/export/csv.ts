/**
 * CSV as RFC 4180 writes it: CRLF line ends; a field holding a comma, a
 * double quote, CR or LF is enclosed in double quotes, its quotes doubled.
 * Null is an empty field; true/false and numbers as JSON writes them; a list
 * or a free-form object is its JSON text in one field.
 */

/**
 * Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate a cell that starts
 * with one of these as a formula when the customer opens the file, and a
 * formula can run commands (DDE) or send other cells to a URL (HYPERLINK,
 * WEBSERVICE). Text in the export is partly written by others: a user agent
 * or key name comes from whoever held the key. Such a text cell is prefixed
 * with a single quote, which spreadsheets show as text and do not evaluate
 * (OWASP's advice for CSV injection). Tab and CR start formulas too in some
 * spreadsheets. Numbers are ours, never text, and are left as they are; the
 * JSON export keeps every text exactly as stored.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: text made inert for spreadsheets, then quoted as RFC 4180 needs. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  let text = typeof value === "string" ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRecord(fields: readonly unknown[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** The value at a dotted path (`limits.rpm`) of a view; undefined below a null. */
function at(row: object, path: string): unknown {
  let value: unknown = row;
  for (const part of path.split(".")) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/** The rows' records under `columns` (paths into each row). */
export function csvRows(columns: readonly string[], rows: readonly object[]): string {
  return rows.map((row) => csvRecord(columns.map((c) => at(row, c)))).join("");
}
