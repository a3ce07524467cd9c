import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The [vars] of a wrangler config, as name → value (only `NAME = "value"` lines). */
function wranglerVars(path: string): Record<string, string> {
  const text = readFileSync(path, "utf8");
  const section = text.split(/^\[vars\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
  return Object.fromEntries([...section.matchAll(/^([A-Z_]+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1]!, m[2]!]));
}

describe("production defaults in wrangler.toml", () => {
  const vars = wranglerVars("wrangler.toml");

  it("points Mistral at its EU endpoint, the only one with an EU processing guarantee (its models are region eu)", () => {
    expect(vars.MISTRAL_BASE_URL).toBe("https://api.eu.mistral.ai/v1");
  });

  it("makes Durable Object ids in the EU jurisdiction", () => {
    expect(vars.DURABLE_OBJECT_JURISDICTION).toBe("eu");
  });

  it("sends low-balance notices through the Email binding, never the local outbox", () => {
    expect(vars.EMAIL_TRANSPORT).toBe("binding");
    expect(readFileSync("wrangler.toml", "utf8")).toMatch(/^\[\[send_email\]\]\s*\nname = "EMAIL"/m);
  });

  it("gives the console the router's Stripe and credit settings (both start Checkout)", () => {
    const console = wranglerVars("src/console/wrangler.toml");
    for (const name of ["STRIPE_API_BASE", "STRIPE_PRO_PRICE_ID", "CREDITS_CURRENCY", "CREDITS_MIN_TOPUP", "CREDITS_MAX_TOPUP", "BILLING_RETURN_URL"]) {
      expect(console[name], name).toBe(vars[name]);
    }
  });

  it("sets a valid price markup, the same the console shows prices with", () => {
    // markupBps's rule (src/billing/price.ts; its imports do not resolve under Node's module rules).
    expect(vars.PRICE_MARKUP_PERCENT).toMatch(/^\d{1,4}(\.\d{1,2})?$/);
    expect(Number(vars.PRICE_MARKUP_PERCENT)).toBeLessThanOrEqual(1000);
    expect(wranglerVars("src/console/wrangler.toml").PRICE_MARKUP_PERCENT).toBe(vars.PRICE_MARKUP_PERCENT);
  });
});

describe("production defaults in src/console/wrangler.toml", () => {
  const vars = wranglerVars("src/console/wrangler.toml");
  const text = readFileSync("src/console/wrangler.toml", "utf8");

  it("sends mail through the Email binding, never the local outbox", () => {
    expect(vars.EMAIL_TRANSPORT).toBe("binding");
    expect(text).toMatch(/^\[\[send_email\]\]\s*\nname = "EMAIL"/m);
  });

  it("names an https origin (its cookies are __Host-, hence Secure) and makes Durable Object ids in the EU", () => {
    expect(vars.CONSOLE_ORIGIN).toMatch(/^https:\/\//);
    expect(vars.DURABLE_OBJECT_JURISDICTION).toBe("eu");
  });

  it("answers on its own host only: no workers.dev address, no preview URLs", () => {
    expect(text).toMatch(/^workers_dev = false$/m);
    expect(text).toMatch(/^preview_urls = false$/m);
    // Top-level keys: before the first [table], or wrangler reads them as that table's.
    const top = text.split(/^\[/m)[0]!;
    expect(top).toContain("workers_dev = false");
    expect(top).toContain("preview_urls = false");
  });

  it("binds the router's limiter by the router's name, and keeps Workers Logs off", () => {
    const router = /^name = "([^"]+)"/m.exec(readFileSync("wrangler.toml", "utf8"))![1];
    expect(text).toContain(`script_name = "${router}"`);
    expect(text).toMatch(/\[observability\]\s*\nenabled = false/);
  });
});
