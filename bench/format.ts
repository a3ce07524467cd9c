/** Number formats and the plain-text table of the printed report. */

export interface Check {
  name: string;
  value: string;
  target: string;
  /** null: cannot be judged in this run (a target was not measured), printed n/a. */
  pass: boolean | null;
}

export const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits));
export const int = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : Math.round(v).toLocaleString("en-US"));
export const pct = (v: number | null) => (v === null ? "—" : `${v.toFixed(0)}%`);

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export const verdict = (c: Check) => (c.pass === null ? "n/a" : c.pass ? "PASS" : "FAIL");
