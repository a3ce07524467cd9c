/**
 * GitHub secret scanning partner endpoint (docs/secret-scanning.md): GitHub
 * posts the tokens in our key format it finds published, signed with one of
 * the keys at SECRET_SCANNING_KEYS_URL. No API key: the signature is the
 * authentication, checked over the raw body before anything is parsed.
 */
import { Hono } from "hono";
import { errors } from "../../shared/errors";
import { parseBody, parseJsonBytes, readLimited } from "../body";
import type { AppEnv } from "../env";
import { handleReport, MAX_REPORTED_TOKENS, secretScanningReportBody } from "../secret-scanning/report";
import { verifyEcdsaP256 } from "../secret-scanning/signature";
import { signingKeys } from "../secret-scanning/signing-keys";

/** Room for MAX_REPORTED_TOKENS matches with long URLs (~300 bytes each is typical). */
export const MAX_REPORT_BYTES = MAX_REPORTED_TOKENS * 1024;

export { secretScanningReportBody };

export const secretScanningRoutes = new Hono<AppEnv>().post("/report", async (c) => {
  const keyId = c.req.header("github-public-key-identifier")?.trim();
  const signature = c.req.header("github-public-key-signature")?.trim();
  if (!keyId || !signature) {
    throw errors.unauthorized("Missing Github-Public-Key-Identifier or Github-Public-Key-Signature.", "missing_signature");
  }
  const body = await readLimited(c.req.raw, MAX_REPORT_BYTES);
  const key = await signingKeys(c.env).find(keyId);
  if (!key) throw errors.unauthorized("Unknown Github-Public-Key-Identifier.", "unknown_signing_key");
  if (!(await verifyEcdsaP256(key, signature, body))) throw errors.unauthorized("Invalid Github-Public-Key-Signature.", "invalid_signature");
  const report = parseBody(parseJsonBytes(body), secretScanningReportBody);
  const feedback = await handleReport(c.env, report);
  return c.json(feedback, 200, { "cache-control": "no-store" });
});
