import type { Handler } from "hono";
import { z } from "zod";
import { accountExport, exportFormat } from "../../self-service/export";
import { validationError } from "../body";
import type { AppEnv } from "../env";

export const exportQuery = z.object({ format: exportFormat.default("json") }).strict();

/**
 * `GET /v1/account/export?format=json|csv` (manage scope; mounted in
 * routes/account.ts): everything stored about the account, for access and
 * portability (GDPR Art. 15 and 20). See docs/export.md; the export itself
 * is src/self-service/export.ts.
 */
export const exportHandler: Handler<AppEnv> = async (c) => {
  const parsed = exportQuery.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error);
  const { accountId, keyId } = c.get("auth");
  const { body, headers } = await accountExport(c.env, accountId, parsed.data.format, `key:${keyId}`);
  return c.body(body, 200, headers);
};
