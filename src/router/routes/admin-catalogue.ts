/**
 * The operator's catalogue: read it, replace it whole, revert it to the seed,
 * list its versions. Mounted under /admin/v1 (admin token, no-store).
 *
 * Optimistic concurrency: a change names the version it was made from in
 * `if_version` (what GET returned); when another change landed since, it is
 * refused with 409 and nothing is written. Every change is a new version and
 * an audit entry with the model ids it adds, changes and removes.
 * Other isolates take a change within the bound in src/routing/catalogue-store.ts;
 * this one at once.
 */
import { Hono } from "hono";
import { z } from "zod";
import { appendCatalogueVersion, listCatalogueVersions, newestCatalogueVersion, type CatalogueVersion } from "../../db/catalogue-versions";
import { coreDb, type CoreDb } from "../../db/client";
import { SEED_SPECS } from "../../providers/catalogue";
import { buildCatalogue, SEED_CATALOGUE, type Catalogue } from "../../routing/catalogue";
import {
  catalogueDiff,
  catalogueDocumentSchema,
  catalogueFromDocument,
  documentBytes,
  MAX_DOCUMENT_BYTES,
  type CatalogueDocument,
} from "../../routing/catalogue-document";
import { catalogueStore } from "../../routing/catalogue-store";
import { errors } from "../../shared/errors";
import { parseBody, readJson, validationError } from "../body";
import type { AppEnv } from "../env";
import { iso } from "../../self-service/views";

const ADMIN_ACTOR = "admin";

const ifVersion = z.number().int().nonnegative();
const comment = z.string().max(500);

/** `models` is validated apart, so its errors name paths such as `models[3].routes[0].region`. */
export const putBody = z.object({ if_version: ifVersion, comment: comment.optional(), models: z.unknown() }).strict();
export const deleteBody = z.object({ if_version: ifVersion, comment: comment.optional() }).strict();
export const versionsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }).strict();

/** The version in force as stored, read from D1 (not this isolate's copy): what a change is checked against. */
interface InForce {
  version: number;
  row: CatalogueVersion | undefined;
  /** The stored document, when it validates; null for the seed. */
  document: CatalogueDocument | null;
  /** Why the stored document does not validate (the router then serves its previous catalogue or the seed). */
  error: { param: string | null; message: string } | null;
}

async function inForce(db: CoreDb): Promise<InForce> {
  const row = await newestCatalogueVersion(db);
  if (!row || row.document === null) return { version: row?.version ?? 0, row, document: null, error: null };
  let json: unknown;
  try {
    json = JSON.parse(row.document);
  } catch {
    return { version: row.version, row, document: null, error: { param: null, message: "The stored document is not JSON." } };
  }
  const parsed = catalogueDocumentSchema.safeParse(json);
  if (parsed.success) return { version: row.version, row, document: parsed.data, error: null };
  const { message, param } = validationError(parsed.error);
  return { version: row.version, row, document: null, error: { param, message } };
}

function view(state: InForce) {
  const stored = state.row?.document ?? null;
  return {
    object: "catalogue",
    version: state.version,
    source: stored === null ? "seed" : "operator",
    created_at: iso(state.row?.createdAt ?? null),
    comment: state.row?.comment ?? null,
    // An invalid stored document is shown as stored, so the operator can see and fix it.
    models: state.document?.models ?? (stored === null ? SEED_SPECS : storedModels(stored)),
    error: state.error,
  };
}

function storedModels(document: string): unknown {
  try {
    return (JSON.parse(document) as { models?: unknown }).models ?? null;
  } catch {
    return null;
  }
}

const staleVersion = (current: number, sent: number) =>
  errors.conflict(`The catalogue is at version ${current}, not ${sent}: GET it again, apply your change to it, and send if_version ${current}.`, "catalogue_version_conflict");

/** Appends the next version (document null: the seed) with its audit entry, and puts it in force in this isolate. */
async function publish(db: CoreDb, from: InForce, document: CatalogueDocument | null, note: string | undefined): Promise<InForce> {
  const version = from.version + 1;
  const next: Catalogue = document ? catalogueFromDocument(version, document) : buildCatalogue(version, SEED_CATALOGUE.models);
  // What the change replaces: the stored models, or the seed's; an invalid stored document counts as none.
  const before = from.document ? catalogueFromDocument(from.version, from.document).models : from.error ? [] : SEED_CATALOGUE.models;
  const diff = catalogueDiff(before, next.models);
  const row = { version, document: document ? JSON.stringify(document) : null, actor: ADMIN_ACTOR, comment: note ?? null, createdAt: Date.now() };
  const audit = { accountId: null, actor: ADMIN_ACTOR, action: document ? "catalogue.update" : "catalogue.revert", target: String(version), details: { version, ...diff } };
  if (!(await appendCatalogueVersion(db, row, audit))) {
    const now = await newestCatalogueVersion(db);
    throw staleVersion(now?.version ?? 0, from.version);
  }
  catalogueStore.publish(next);
  return { version, row, document, error: null };
}

export const adminCatalogueRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json(view(await inForce(coreDb(c.env.DB)))))
  .put("/", async (c) => {
    const body = await readJson(c.req.raw, putBody);
    const document = parseBody({ models: body.models }, catalogueDocumentSchema);
    if (documentBytes(document) > MAX_DOCUMENT_BYTES) {
      throw errors.invalidRequest(`The catalogue is larger than ${MAX_DOCUMENT_BYTES} bytes as JSON; drop unused models.`, "models", "catalogue_too_large");
    }
    const db = coreDb(c.env.DB);
    const current = await inForce(db);
    if (current.version !== body.if_version) throw staleVersion(current.version, body.if_version);
    return c.json(view(await publish(db, current, document, body.comment)));
  })
  // Back to the seed catalogue in code, as a new version. Like a PUT it names
  // the version it replaces, so a revert cannot silently undo a change
  // published after the operator last looked.
  .delete("/", async (c) => {
    const body = await readJson(c.req.raw, deleteBody);
    const db = coreDb(c.env.DB);
    const current = await inForce(db);
    if (current.version !== body.if_version) throw staleVersion(current.version, body.if_version);
    return c.json(view(await publish(db, current, null, body.comment)));
  })
  .get("/versions", async (c) => {
    const parsed = versionsQuery.safeParse(c.req.query());
    if (!parsed.success) throw validationError(parsed.error);
    const rows = await listCatalogueVersions(coreDb(c.env.DB), parsed.data.limit);
    const data = rows.map((r) => ({
      version: r.version,
      created_at: iso(r.createdAt),
      actor: r.actor,
      comment: r.comment,
      source: r.seed ? "seed" : "operator",
      models: r.seed ? SEED_CATALOGUE.models.length : r.models,
    }));
    return c.json({ object: "list", data });
  });
