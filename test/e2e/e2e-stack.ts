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
  /**
   * Stops both workers and the fake, keeping the local state (so its files
   * can be read at rest), and starts them again on it, on new ports: the
   * same account and key work. `stack` is the new one afterwards.
   */
  restart(between?: () => Promise<void> | void): Promise<void>;
  stop(): Promise<void>;
}

export interface E2EOptions {
  /** Record the demo account's consent to processing outside the EU (default true). */
  consent?: boolean;
  /** More `--var` settings for the workers (e.g. CACHE_MASTER_KEY). */
  vars?: Record<string, string>;
}

export async function startE2EStack(name: string, options: E2EOptions = {}): Promise<E2EStack> {
  const stateDir = mkdtempSync(join(tmpdir(), `emby-e2e-${name}-`));
  const start = async () => {
    const fakePort = await freePort();
    return startStack({
      port: await freePort(),
      fakePort,
      persistTo: stateDir,
      stripeWebhookSecret: STRIPE_WEBHOOK_SECRET,
      vars: { ADMIN_TOKEN, STRIPE_WEBHOOK_SECRET, ...fakeProviderVars(`http://127.0.0.1:${fakePort}`), ...options.vars },
    });
  };
  const stack = await start();
  const { key, accountId } = await createDemo(stack.url, ADMIN_TOKEN, `e2e-${name}@example.com`, { consent: options.consent ?? true });
  const e2e: E2EStack = {
    stack,
    key,
    accountId,
    stateDir,
    restart: async (between) => {
      await e2e.stack.stop();
      await between?.();
      e2e.stack = await start();
    },
    stop: async () => {
      await e2e.stack.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return e2e;
}
