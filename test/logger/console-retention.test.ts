import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { createAccount } from "../../src/db/accounts";
import { coreDb } from "../../src/db/client";
import { consolePageViews, consoleSessions, signInLinks, webauthnChallenges } from "../../src/db/schema";
import worker from "../../src/logger/index";
import { CONSOLE_EXPIRED_GRACE_MS, CONSOLE_SESSION_ABSOLUTE_MS, CONSOLE_SESSION_IDLE_MS, utcDay } from "../../src/shared/retention";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 15, 3, 17);
const core = coreDb(env.DB);

async function runCron() {
  await worker.scheduled(createScheduledController({ scheduledTime: NOW, cron: "17 * * * *" }), env);
}

async function account() {
  return (await createAccount(core, { email: `c-${crypto.randomUUID()}@example.com`, name: "C", tier: "free" }, "admin"))!.id;
}

async function session(accountId: string, lastSeenAt: number, expiresAt: number) {
  const idHash = crypto.randomUUID().replaceAll("-", "").padEnd(64, "0");
  await core.insert(consoleSessions).values({ idHash, accountId, device: "Chrome 156 on Linux", createdAt: expiresAt - CONSOLE_SESSION_ABSOLUTE_MS, lastSeenAt, expiresAt });
  return idHash;
}

const sessionExists = async (idHash: string) => (await core.select().from(consoleSessions).where(eq(consoleSessions.idHash, idHash))).length === 1;

it("deletes sessions idle or past their absolute expiry for longer than the grace, and keeps the rest", async () => {
  const id = await account();
  const grace = CONSOLE_EXPIRED_GRACE_MS;
  const idleLong = await session(id, NOW - CONSOLE_SESSION_IDLE_MS - grace - 1000, NOW + DAY);
  const idleRecently = await session(id, NOW - CONSOLE_SESSION_IDLE_MS - grace + 60_000, NOW + DAY);
  const absoluteLong = await session(id, NOW, NOW - grace - 1000);
  const absoluteRecently = await session(id, NOW, NOW - 1000);
  const live = await session(id, NOW - 60_000, NOW + DAY);
  await runCron();
  expect(await sessionExists(idleLong)).toBe(false);
  expect(await sessionExists(absoluteLong)).toBe(false);
  expect(await sessionExists(idleRecently)).toBe(true);
  expect(await sessionExists(absoluteRecently)).toBe(true);
  expect(await sessionExists(live)).toBe(true);
});

it("deletes sign-in links expired for longer than the grace, used or not", async () => {
  const link = (tokenHash: string, expiresAt: number, usedAt: number | null) =>
    core.insert(signInLinks).values({ tokenHash, purpose: "sign_in", email: "x@example.com", accountId: null, signUp: null, createdAt: expiresAt - 15 * 60_000, expiresAt, usedAt });
  await link("a".repeat(64), NOW - CONSOLE_EXPIRED_GRACE_MS - 1000, null);
  await link("b".repeat(64), NOW - CONSOLE_EXPIRED_GRACE_MS - 1000, NOW - 2 * DAY);
  await link("c".repeat(64), NOW - 1000, null);
  await link("d".repeat(64), NOW + 60_000, null);
  await runCron();
  const left = (await core.select({ h: signInLinks.tokenHash }).from(signInLinks)).map((r) => r.h[0]);
  expect(left.sort()).toEqual(["c", "d"]);
});

it("deletes WebAuthn challenges expired for longer than the grace", async () => {
  const id = await account();
  const challenge = (c: string, expiresAt: number, accountId: string | null) => core.insert(webauthnChallenges).values({ challenge: c, purpose: accountId ? "register" : "sign_in", accountId, expiresAt });
  await challenge("old-sign-in", NOW - CONSOLE_EXPIRED_GRACE_MS - 1000, null);
  await challenge("old-register", NOW - CONSOLE_EXPIRED_GRACE_MS - 1000, id);
  await challenge("recent", NOW - 1000, null);
  await challenge("live", NOW + 60_000, id);
  await runCron();
  const left = (await core.select({ c: webauthnChallenges.challenge }).from(webauthnChallenges)).map((r) => r.c);
  expect(left.sort()).toEqual(["live", "recent"]);
});

it("deletes page-view counts older than 395 days", async () => {
  const day = (daysAgo: number) => utcDay(NOW - daysAgo * DAY);
  await core.insert(consolePageViews).values([
    { day: day(396), page: "/", views: 3 },
    { day: day(395), page: "/", views: 2 },
    { day: day(1), page: "/keys", views: 1 },
  ]);
  await runCron();
  const left = await core.select().from(consolePageViews);
  expect(left.map((r) => r.day).sort()).toEqual([day(395), day(1)]);
});
