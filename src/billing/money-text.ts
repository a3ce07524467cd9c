/**
 * Amounts as people read them (console pages, mail): US dollars with cents, and more
 * decimals only when the amount has them (a request can cost fractions of a
 * cent), so a shown amount is never rounded away from the truth.
 */
import { NANO_PER_USD } from "./money";

export function formatUsd(nano: number): string {
  const sign = nano < 0 ? "−" : "";
  const abs = Math.abs(nano);
  const whole = Math.floor(abs / NANO_PER_USD);
  const frac = String(abs % NANO_PER_USD).padStart(9, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}$${whole.toLocaleString("en-US")}.${frac}`;
}

/**
 * A dollar amount as typed into a form ("12", "12.5", "0.000001") → exact
 * nano-USD, or null when it is not a plain decimal with at most 9 decimals.
 */
export function parseUsd(text: string): number | null {
  const m = /^(\d{1,7})(?:\.(\d{1,9}))?$/.exec(text.trim().replace(/^\$/, ""));
  if (!m) return null;
  return Number(m[1]) * NANO_PER_USD + Number((m[2] ?? "").padEnd(9, "0"));
}
