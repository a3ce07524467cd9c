/**
 * Sign-up writes the account, its audit entry, its agreements and its
 * consent in one batch: if any of them fails, no account is left behind
 * without the agreements it was created under.
 */
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { followLink, issueLink } from "../src/console/auth/links";
import { createAccount } from "../src/db/accounts";
import { agreementsOf } from "../src/db/agreements";
import { coreDb } from "../src/db/client";
import { accounts, auditLog } from "../src/db/schema";
import { POLICY_VERSIONS } from "../src/shared/policies";
import { consoleEnv } from "./helpers/console";

const db = coreDb(env.DB);
const address = () => `atomic-${crypto.randomUUID().slice(0, 8)}@example.com`;

const signUp = { name: "Ada", privacyPolicy: POLICY_VERSIONS.privacy_policy, acceptableUse: POLICY_VERSIONS.acceptable_use, age18Plus: true as const, productUpdates: true };
const signUpAudits = async () => (await db.select().from(auditLog).where(eq(auditLog.actor, "console:sign-up"))).length;

async function signUpLink(email: string): Promise<string> {
  return (await issueLink(consoleEnv(), { purpose: "sign_up", email, accountId: null, signUp }, Date.now()))!;
}

it("leaves no account when the agreements cannot be written", async () => {
  const email = address();
  const token = await signUpLink(email);
  const audits = await signUpAudits();
  // A failure of the agreements insert, for this address's account only (the row exists within the batch).
  await db.run(
    sql.raw(`create trigger fail_agreements before insert on agreements
      when new.account_id in (select id from accounts where email = '${email}')
      begin select raise(abort, 'simulated failure'); end`),
  );
  try {
    await expect(followLink(consoleEnv(), token, Date.now())).rejects.toThrow();
  } finally {
    await db.run(sql`drop trigger fail_agreements`);
  }
  expect(await db.select().from(accounts).where(eq(accounts.email, email))).toEqual([]);
  expect(await signUpAudits()).toBe(audits);
});

it("creates the account with its agreements and consent, or signs in to one that took the address meanwhile", async () => {
  const email = address();
  const result = await followLink(consoleEnv(), await signUpLink(email), Date.now());
  expect(result.ok).toBe(true);
  const account = result.ok ? result.account : undefined;
  expect((await agreementsOf(db, account!.id)).map((a) => a.document).sort()).toEqual(["acceptable_use", "age_18_plus", "privacy_policy"]);

  const raced = address();
  const token = await signUpLink(raced);
  const existing = (await createAccount(db, { email: raced, name: "First", tier: "free" }, "admin"))!;
  const again = await followLink(consoleEnv(), token, Date.now());
  expect(again.ok && again.account.id).toBe(existing.id);
});
