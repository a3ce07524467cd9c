/**
 * The core migration that makes emails unique case-insensitively, run against
 * rows written before it: the database is put back to the schema before that
 * migration, filled, then the migration's statements run one by one.
 */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";

const MIGRATION = "0001_case_insensitive_email.sql";

async function beforeMigration(): Promise<void> {
  await env.DB.prepare("drop index accounts_email_lower_unique").run();
  await env.DB.prepare("create unique index accounts_email_unique on accounts (email)").run();
}

async function runMigration(): Promise<void> {
  const migration = env.TEST_MIGRATIONS.find((m) => m.name === MIGRATION);
  if (!migration) throw new Error(`${MIGRATION} not found`);
  for (const query of migration.queries) await env.DB.prepare(query).run();
}

const emails = async () => (await env.DB.prepare("select id, email from accounts order by id").all<{ id: string; email: string }>()).results;

it("lower-cases existing emails and then enforces case-insensitive uniqueness", async () => {
  await beforeMigration();
  await env.DB.prepare("insert into accounts (id, email, name) values ('acct_1', 'Ada@Example.com', 'A'), ('acct_2', 'bob@example.com', 'B')").run();
  await runMigration();
  expect(await emails()).toEqual([
    { id: "acct_1", email: "ada@example.com" },
    { id: "acct_2", email: "bob@example.com" },
  ]);
  await expect(env.DB.prepare("insert into accounts (id, email, name) values ('acct_3', 'BOB@example.com', 'C')").run()).rejects.toThrow(/UNIQUE/);
});

it("stops, changing nothing it cannot decide, when two accounts differ only in case", async () => {
  await env.DB.prepare("delete from accounts").run();
  await beforeMigration();
  await env.DB.prepare("insert into accounts (id, email, name) values ('acct_1', 'Ada@Example.com', 'A'), ('acct_2', 'ada@example.com', 'B')").run();
  await expect(runMigration()).rejects.toThrow(/UNIQUE/);
  expect(await emails()).toEqual([
    { id: "acct_1", email: "Ada@Example.com" },
    { id: "acct_2", email: "ada@example.com" },
  ]);
});
