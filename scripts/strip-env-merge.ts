/**
 * `wrangler types` merges every worker's bindings into the one global
 * `Cloudflare.Env`. The console binds the router's limiter by script name, so
 * its generated type for LIMITER is untyped and would clash with the router's;
 * this removes the merge from the console's file, leaving `ConsoleEnv`.
 */
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
if (!file) throw new Error("usage: node scripts/strip-env-merge.ts <worker-configuration.d.ts>");
const text = readFileSync(file, "utf8");
writeFileSync(file, text.replace(/^declare namespace Cloudflare \{\n[\s\S]*?^\}\n/m, "").replace(/^declare namespace NodeJS \{\n[\s\S]*?^\}\n/m, ""));
