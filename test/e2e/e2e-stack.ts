/**
 * One end-to-end stack per test file: the fake upstream, both workers under
 * `wrangler dev` with their own local state, and a demo account + key made
 * through the APIs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemo } from "../../scripts/demo.ts";
import { fakeProviderVars, freePort, startStack, type Stack } from "../../scripts/stack.ts";

export const ADMIN_TOKEN = "e2e-admin-token";
/** The router's STRIPE_WEBHOOK_SECRET and the fake Stripe's signing secret: one value, so its webhooks verify. */
const STRIPE_WEBHOOK_SECRET = "whsec_e2e_emby";

export interface E2EStack {
  stack: Stack;
  /** The demo key (consented to non-EU processing unless the stack was started without consent). */
  key: string;
  /** The demo account the key belongs to. */
  accountId: string;
  /** The local state directory (D1 and Durable Object files). */
  stateDir: string;
  stop(): Promise<void>;
}

export interface E2EOptions {
  /** Record the demo account's consent to processing outside the EU (default true). */
  consent?: boolean;
}

export async function startE2EStack(name: string, options: E2EOptions = {}): Promise<E2EStack> {
  const stateDir = mkdtempSync(join(tmpdir(), `emby-e2e-${name}-`));
  const fakePort = await freePort();
  const stack = await startStack({
    port: await freePort(),
    fakePort,
    persistTo: stateDir,
    stripeWebhookSecret: STRIPE_WEBHOOK_SECRET,
    vars: { ADMIN_TOKEN, STRIPE_WEBHOOK_SECRET, ...fakeProviderVars(`http://127.0.0.1:${fakePort}`) },
  });
  const { key, accountId } = await createDemo(stack.url, ADMIN_TOKEN, `e2e-${name}@example.com`, { consent: options.consent ?? true });
  return {
    stack,
    key,
    accountId,
    stateDir,
    stop: async () => {
      await stack.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
