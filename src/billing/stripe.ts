/**
 * The Stripe client: the `stripe` library over the Workers fetch client,
 * pointed at STRIPE_API_BASE (Stripe's API in production, the local fake in
 * `npm run dev` and the tests), with the API version pinned so that objects
 * and webhook events keep the shape this code reads (src/billing/events.ts)
 * whatever the account's default version is. One client per isolate per
 * configuration: the library keeps no per-request state.
 */
import Stripe from "stripe";

/** The pinned API version; the webhook endpoint in the dashboard must use the same (docs/billing.md). */
export const STRIPE_API_VERSION = "2026-10-28.endive" satisfies Stripe.LatestApiVersion;

/** What reaching Stripe needs: the router's and the console's env both have it. */
export type StripeEnv = Pick<Env, "STRIPE_API_BASE" | "STRIPE_SECRET_KEY">;

const clients = new Map<string, Stripe>();

export function stripeClient(env: StripeEnv): Stripe {
  const cacheKey = `${env.STRIPE_API_BASE}\n${env.STRIPE_SECRET_KEY}`;
  const known = clients.get(cacheKey);
  if (known) return known;
  if (!env.STRIPE_SECRET_KEY) throw new Error("STRIPE_SECRET_KEY is not set: billing needs it (docs/billing.md)");
  const base = new URL(env.STRIPE_API_BASE);
  const client = new Stripe(env.STRIPE_SECRET_KEY, {
    apiVersion: STRIPE_API_VERSION,
    httpClient: Stripe.createFetchHttpClient(),
    host: base.hostname,
    port: base.port || (base.protocol === "http:" ? 80 : 443),
    protocol: base.protocol === "http:" ? "http" : "https",
    // One retry (the library sends an idempotency key with it), then the caller's error.
    maxNetworkRetries: 1,
    timeout: 10_000,
    telemetry: false,
  });
  clients.set(cacheKey, client);
  return client;
}
