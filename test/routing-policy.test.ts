/** The routing settings an operator sets with vars: defaults, caps, and values that make no sense. */
import { describe, expect, it } from "vitest";
import { routingSettings } from "../src/routing/policy";

const settings = (vars: Record<string, string>) => routingSettings(vars as unknown as Env);

describe("routingSettings", () => {
  it("has the documented defaults", () => {
    expect(settings({})).toEqual({
      policy: { maxAttempts: 3, budgetMs: 180_000, maxRetryWaitMs: 10_000, backoffBaseMs: 250, backoffCapMs: 4_000 },
      defaults: { firstByteMs: 120_000, idleMs: 120_000 },
    });
  });

  it("reads the vars, capped", () => {
    const s = settings({ ROUTING_MAX_ATTEMPTS: "5", ROUTING_BUDGET_MS: "9999999", ROUTING_MAX_RETRY_WAIT_MS: "3000", STREAM_IDLE_TIMEOUT_MS: "4000", UPSTREAM_TIMEOUT_MS: "2500" });
    expect(s.policy).toMatchObject({ maxAttempts: 5, budgetMs: 900_000, maxRetryWaitMs: 3_000 });
    expect(s.defaults).toEqual({ firstByteMs: 2_500, idleMs: 4_000 });
  });

  it.each(["0", "-2", "0.5", "abc", ""])("keeps the default for %j, never a setting that allows no attempt", (value) => {
    const s = settings({ ROUTING_MAX_ATTEMPTS: value, ROUTING_BUDGET_MS: value });
    expect(s.policy.maxAttempts).toBe(3);
    expect(s.policy.budgetMs).toBe(180_000);
  });
});
