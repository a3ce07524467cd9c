/** The isolate-local batching behind limiter releases and log events (src/router/coalesce.ts). */
import { describe, expect, it } from "vitest";
import { Coalescer } from "../src/shared/coalesce";

describe("coalescer", () => {
  it("gives the batch to the first caller whose window ends; the others get null", async () => {
    const c = new Coalescer<string, number>();
    const results = await Promise.all([c.join("a", 1, 5), c.join("a", 2, 20), c.join("b", 3, 5)]);
    expect(results).toEqual([[1, 2], null, [3]]);
  });

  it("lets a caller take what waits, and the waiting callers then send nothing", async () => {
    const c = new Coalescer<string, number>();
    const waiting = [c.join("a", 1, 10), c.join("a", 2, 10)];
    expect(c.take("a")).toEqual([1, 2]);
    expect(await Promise.all(waiting)).toEqual([null, null]);
  });

  it("puts taken items back, where a caller still waiting finds its own and sends them all", async () => {
    const c = new Coalescer<string, number>();
    const waiting = c.join("a", 1, 10);
    const taken = c.take("a");
    const later = c.join("a", 2, 50);
    c.restore("a", taken);
    expect(await waiting).toEqual([1, 2]);
    expect(await later).toBeNull();
  });

  it("hands a full batch at once to the caller that filled it", async () => {
    const c = new Coalescer<string, number>(3);
    const joins = [c.join("a", 1, 1_000), c.join("a", 2, 1_000), c.join("a", 3, 1_000)];
    let firstWindowEnded = false;
    void joins[0]!.then(() => (firstWindowEnded = true));
    expect(await joins[2]).toEqual([1, 2, 3]);
    // By order, not by the clock: had the filling caller waited its window too,
    // the first caller's (same length, started earlier) would have ended first.
    expect(firstWindowEnded).toBe(false);
    expect(await Promise.all(joins.slice(0, 2))).toEqual([null, null]);
  });
});
