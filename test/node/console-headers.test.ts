/**
 * The console's static assets are served by Cloudflare from
 * src/console/public/ with the headers in its `_headers` file, not by the
 * worker: that file must send the same security headers as the pages.
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { SECURITY_HEADERS } from "../../src/console/middleware/security-headers.ts";

/** The headers of `_headers`' one rule, `/*`, as lower-cased name → value. */
function assetHeaders(path: string): Record<string, string> {
  const lines = readFileSync(path, "utf8").split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
  expect(lines[0]).toBe("/*");
  return Object.fromEntries(
    lines.slice(1).map((line) => {
      expect(line, "a header line is indented under its rule").toMatch(/^\s+\S/);
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
}

it("sends the pages' security headers on the static assets too, no more and no less", () => {
  expect(assetHeaders("src/console/public/_headers")).toEqual(SECURITY_HEADERS);
});
