import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      TEST_LOGS_MIGRATIONS: D1Migration[];
      TEST_BILLING_MIGRATIONS: D1Migration[];
      FAKE_UPSTREAM_URL: string;
      /** The fake upstream's test service account key file (vitest.config.ts). */
      VERTEX_SERVICE_ACCOUNT: string;
    }
  }
}
