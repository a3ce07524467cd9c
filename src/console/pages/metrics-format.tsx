/** @jsxImportSource hono/jsx */
/** How the usage and log pages write counts, money and times. */
import { nanoToUsd } from "../../billing/money";

/** A count with thousands separators: 12,345. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * Nano-USD as dollars. A single request often costs a fraction of a cent,
 * so amounts under a dollar keep up to seven decimals (trailing zeros cut,
 * at least two kept); larger ones are shown to the cent.
 */
export function formatUsd(nanoUsd: number): string {
  const usd = nanoToUsd(nanoUsd);
  if (usd >= 1) return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `$${usd.toFixed(7).replace(/0{1,5}$/, "")}`;
}

/** A moment as `YYYY-MM-DD HH:MM:SS UTC`, in a <time> element carrying the ISO form. */
export function Time({ ms }: { ms: number }) {
  const iso = new Date(ms).toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`}</time>;
}

/** Milliseconds, as the logs show latency: 250 ms, 1,250 ms. */
export function formatMs(ms: number): string {
  return `${formatCount(ms)} ms`;
}
