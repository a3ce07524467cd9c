/**
 * Money is integer nano-USD (10^-9 US dollars) everywhere inside the router:
 * the ledger, the balance, budgets, reservations. Integers add up exactly;
 * floats would drift. Stripe amounts are in the currency's minor unit (cents).
 */
export const NANO_PER_USD = 1_000_000_000;
export const NANO_PER_CENT = 10_000_000;

/** USD (at most 9 decimals) → nano-USD. */
export const usdToNano = (usd: number): number => Math.round(usd * NANO_PER_USD);
/** nano-USD → USD as a number (for JSON; exact to 9 decimals). */
export const nanoToUsd = (nano: number): number => nano / NANO_PER_USD;
export const centsToNano = (cents: number): number => cents * NANO_PER_CENT;
