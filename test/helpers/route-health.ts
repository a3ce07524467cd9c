/**
 * For test files that fail the same routes over and over: each test starts
 * with fresh route health (its own RouteHealth object), so a breaker that one
 * test opened does not decide another test's routes.
 */
import { beforeEach } from "vitest";
import { resetRouteHealth } from "../../src/routing/health";

export function freshRouteHealthEachTest(): void {
  beforeEach(() => {
    resetRouteHealth({ objectName: `test-${crypto.randomUUID()}` });
  });
}
