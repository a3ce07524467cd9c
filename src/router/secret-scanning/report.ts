/**
 * What a secret scanning report does: every reported token that is one of
 * our keys is labelled a true positive, and a live one is revoked at once;
 * anything else is a false positive. The answer is GitHub's documented
 * feedback format, `[{token_hash, token_type, label}]`, the token only as
 * its SHA-256 (hex, as the key is stored): a token is never echoed back.
 */
import { z } from "zod";
import { coreDb } from "../../db/client";
import { findKeysByHashes, revokeLeakedKeys, type LeakedKeyRevocation, type ReportedKey } from "../../db/leaked-keys";
import { pushAccessChange } from "../../limits/controls";
import { hasValidKeyFormat } from "../../shared/api-key";
import { sha256Hex } from "../../shared/crypto";
import { evictAccount } from "../auth-cache";

/** Matches in one report: GitHub batches them, and each costs a hash and a share of one look-up. */
export const MAX_REPORTED_TOKENS = 1000;

/**
 * GitHub's request body. Objects are not strict: a field GitHub adds later
 * must not make every report fail. `url` "may be empty"; `source` is one of
 * GitHub's documented values (`content`, `commit`, `npm`, ...), any case.
 */
export const secretScanningReportBody = z
  .array(
    z.object({
      token: z.string().max(1024),
      type: z.string().max(256),
      url: z.string().max(4096).nullish(),
      source: z.string().max(64).nullish(),
    }),
  )
  .min(1)
  .max(MAX_REPORTED_TOKENS);
export type SecretScanningReport = z.infer<typeof secretScanningReportBody>;

export type Label = "true_positive" | "false_positive";

export interface TokenFeedback {
  token_hash: string;
  token_type: string;
  label: Label;
}

/** GitHub's source as it goes into a revocation reason and an actor: lower-case word, else "unknown". */
export function normalizeSource(source: string | null | undefined): string {
  const value = (source ?? "").toLowerCase();
  return /^[a-z][a-z_]{0,39}$/.test(value) ? value : "unknown";
}

/**
 * The published URL is not stored: it names a GitHub user, repository or
 * package, often not the customer's own, and the audit log keeps
 * identifiers only. Its host says where to look, and its SHA-256 lets the
 * customer or the operator confirm a URL they hold was the one reported.
 */
async function urlDetails(url: string | null | undefined): Promise<{ url_host: string | null; url_sha256: string | null }> {
  if (!url) return { url_host: null, url_sha256: null };
  let host: string | null = null;
  try {
    host = new URL(url).hostname || null;
  } catch {
    // Not a URL: keep only its hash.
  }
  return { url_host: host, url_sha256: await sha256Hex(url) };
}

/** Revokes the live keys among those found, one account at a time; returns how many. */
async function revokeLive(env: Env, report: SecretScanningReport, hashes: readonly string[], found: Map<string, ReportedKey>): Promise<number> {
  const byAccount = new Map<string, LeakedKeyRevocation[]>();
  const seen = new Set<string>();
  for (const [i, match] of report.entries()) {
    const key = found.get(hashes[i]!);
    if (!key || key.status !== "active" || seen.has(key.id)) continue;
    seen.add(key.id);
    const source = normalizeSource(match.source);
    const reason = `leaked:${source}`;
    const details = { reason, source, token_type: match.type.slice(0, 64), ...(await urlDetails(match.url)) };
    const audit = { accountId: key.accountId, actor: `secret-scanning:${source}`, action: "key.revoke", target: key.id, details };
    byAccount.set(key.accountId, [...(byAccount.get(key.accountId) ?? []), { keyId: key.id, reason, audit }]);
  }
  const db = coreDb(env.DB);
  const now = Date.now();
  for (const [accountId, revocations] of byAccount) {
    // The limiter first: a failure in between errs on the side of refusing.
    await pushAccessChange(env, accountId, { keyStops: revocations.map((r) => ({ keyId: r.keyId, at: now })) });
    await revokeLeakedKeys(db, revocations, now);
    evictAccount(accountId);
  }
  return seen.size;
}

/** Handles a verified report: revokes what is live and labels every match, in order. */
export async function handleReport(env: Env, report: SecretScanningReport): Promise<TokenFeedback[]> {
  const hashes = await Promise.all(report.map((m) => sha256Hex(m.token)));
  // The checksum sorts out what cannot be one of our keys without a look-up.
  const candidates = [...new Set(hashes.filter((_, i) => hasValidKeyFormat(report[i]!.token)))];
  const found = candidates.length > 0 ? await findKeysByHashes(coreDb(env.DB), candidates) : new Map<string, ReportedKey>();
  const revoked = await revokeLive(env, report, hashes, found);
  if (revoked > 0) console.log(`secret scanning: ${revoked} leaked key(s) revoked`);
  return report.map((m, i) => ({
    token_hash: hashes[i]!,
    token_type: m.type,
    label: found.has(hashes[i]!) ? "true_positive" : "false_positive",
  }));
}
