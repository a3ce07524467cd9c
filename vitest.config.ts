import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // Unit and integration tests inside workerd, against the real router and
        // a fake upstream started in Node by the global setup.
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./drizzle/core"),
                TEST_LOGS_MIGRATIONS: await readD1Migrations("./drizzle/logs"),
                TEST_BILLING_MIGRATIONS: await readD1Migrations("./drizzle/billing"),
                ADMIN_TOKEN: "test-admin-token",
                OPENAI_BASE_URL: `${inject<string>("fakeUpstreamUrl")}/openai/v1`,
                OPENAI_API_KEY: "sk-router-openai-credential",
                MISTRAL_BASE_URL: `${inject<string>("fakeUpstreamUrl")}/mistral/v1`,
                MISTRAL_GLOBAL_BASE_URL: `${inject<string>("fakeUpstreamUrl")}/mistral-global/v1`,
                MISTRAL_API_KEY: "router-mistral-credential",
                ANTHROPIC_BASE_URL: `${inject<string>("fakeUpstreamUrl")}/anthropic`,
                ANTHROPIC_API_KEY: "router-anthropic-credential",
                GEMINI_BASE_URL: `${inject<string>("fakeUpstreamUrl")}/gemini`,
                GEMINI_API_KEY: "router-gemini-credential",
                // EU endpoints point at the fake but have no credential or
                // project here, so the seed's EU routes are skipped unless a
                // test configures them (`direct` in test/helpers/catalogue.ts).
                // Set empty rather than left out: a developer's .dev.vars
                // (made by `npm run dev`) would otherwise configure them.
                OPENAI_EU_API_KEY: "",
                AZURE_OPENAI_EU_API_KEY: "",
                AZURE_OPENAI_EU_DEPLOYMENTS: "",
                VERTEX_EU_PROJECT: "",
                VERTEX_EU_LOCATION: "eu",
                PROVIDER_RETENTION: "",
                OPENAI_EU_BASE_URL: `${inject<string>("fakeUpstreamUrl")}/openai-eu/v1`,
                AZURE_OPENAI_EU_BASE_URL: `${inject<string>("fakeUpstreamUrl")}/azure-eu/openai/v1`,
                AZURE_OPENAI_EU_REGION: "swedencentral",
                VERTEX_EU_BASE_URL: `${inject<string>("fakeUpstreamUrl")}/vertex-eu`,
                GOOGLE_TOKEN_URL: `${inject<string>("fakeUpstreamUrl")}/google-oauth/token`,
                // The fake's own test service account; without VERTEX_EU_PROJECT
                // (set per test) the Vertex routes stay skipped.
                VERTEX_SERVICE_ACCOUNT: inject<string>("vertexServiceAccount"),
                FAKE_UPSTREAM_URL: inject<string>("fakeUpstreamUrl"),
                SECRET_SCANNING_KEYS_URL: `${inject<string>("fakeUpstreamUrl")}/github/meta/public_keys/secret_scanning`,
                UPSTREAM_TIMEOUT_MS: "1500",
                // Upstream hints above 2 s are passed on to the client at once, not waited out.
                ROUTING_MAX_RETRY_WAIT_MS: "2000",
                DURABLE_OBJECT_JURISDICTION: "none",
                // The console's settings (its app is called in-process by
                // test/helpers/console.ts with this env).
                CONSOLE_ORIGIN: "https://console.test",
                API_BASE_URL: "https://api.test/v1",
                EMAIL_TRANSPORT: "outbox",
                EMAIL_FROM: "Emby Router <no-reply@console.test>",
                // Billing: no markup unless a test sets one (costs then equal
                // the catalogue's), and Stripe is the fake upstream's.
                PRICE_MARKUP_PERCENT: "0",
                STRIPE_API_BASE: inject<string>("fakeUpstreamUrl"),
                STRIPE_SECRET_KEY: "sk_test_fake_emby",
                STRIPE_WEBHOOK_SECRET: "whsec_test_emby",
                STRIPE_PRO_PRICE_ID: "price_fake_pro_monthly",
                BILLING_RETURN_URL: "https://console.test/billing",
                // The response cache's master secret (docs/cache.md): a fixed test value.
                CACHE_MASTER_KEY: "dGVzdC1jYWNoZS1tYXN0ZXIta2V5LTMyLWJ5dGVzLW9rIQ==",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/node/**", "test/logger/**"],
          globalSetup: ["./test/global-setup.ts"],
          setupFiles: ["./test/apply-migrations.ts", "./test/fresh-route-health.ts"],
        },
      },
      {
        // The logger worker inside workerd: queue consumer and retention cron,
        // called directly (createMessageBatch, createScheduledController).
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./src/logger/wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./drizzle/core"),
                TEST_LOGS_MIGRATIONS: await readD1Migrations("./drizzle/logs"),
                TEST_BILLING_MIGRATIONS: await readD1Migrations("./drizzle/billing"),
              },
            },
          })),
        ],
        test: {
          name: "logger",
          include: ["test/logger/**/*.test.ts"],
          setupFiles: ["./test/apply-migrations.ts"],
        },
      },
      {
        // Node side: end-to-end tests (real workers under `wrangler dev`, driven by
        // the official SDKs) and tests of the dev tooling.
        test: {
          name: "node",
          include: ["test/e2e/**/*.e2e.ts", "test/node/**/*.test.ts", "test/browser/**/*.browser.ts"],
          environment: "node",
          // One `wrangler dev` at a time: each runs two workers, and CI machines are small.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
