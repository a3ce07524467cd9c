/** The opt-in header: whole seconds up to 24 hours, clamped above, off at 0 or absent, 400 otherwise. */
import { describe, expect, it } from "vitest";
import { CACHE_MAX_TTL_S, parseCacheTtl } from "../src/cache/ttl";
import { ApiError } from "../src/shared/errors";

describe("x-emby-cache-ttl", () => {
  it("is off when absent or 0", () => {
    expect(parseCacheTtl(null)).toEqual({ seconds: 0 });
    expect(parseCacheTtl("0")).toEqual({ seconds: 0 });
  });

  it("takes whole seconds from 1 to 86400 as they are", () => {
    expect(parseCacheTtl("1")).toEqual({ seconds: 1, clamped: false });
    expect(parseCacheTtl(" 300 ")).toEqual({ seconds: 300, clamped: false });
    expect(parseCacheTtl("86400")).toEqual({ seconds: 86400, clamped: false });
    expect(CACHE_MAX_TTL_S).toBe(86400);
  });

  it("clamps anything longer to 24 hours and says it did", () => {
    expect(parseCacheTtl("86401")).toEqual({ seconds: 86400, clamped: true });
    expect(parseCacheTtl("99999999999999999999999")).toEqual({ seconds: 86400, clamped: true });
  });

  it("refuses anything else with a 400 naming the header", () => {
    for (const value of ["", "-1", "1.5", "1e3", "+5", "ten", "0x10", "60s"]) {
      let thrown: unknown;
      try {
        parseCacheTtl(value);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, value).toBeInstanceOf(ApiError);
      const err = thrown as ApiError;
      expect(err.status).toBe(400);
      expect(err.code).toBe("invalid_cache_ttl");
      expect(err.message).toContain("x-emby-cache-ttl");
    }
  });
});
