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
});
