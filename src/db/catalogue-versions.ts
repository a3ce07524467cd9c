/**
 * The operator's catalogue versions (core D1, table catalogue_versions):
 * append-only, the highest version in force. Documents are stored as JSON
 * text and validated by the caller, on the way in and on every load.
 */
import { desc, eq, sql } from "drizzle-orm";
import { auditInsert, type AuditEntry } from "./accounts";
import type { CoreDb } from "./client";
import { catalogueVersions } from "./schema";

export type CatalogueVersion = typeof catalogueVersions.$inferSelect;

/** The version in force with its document; undefined when the operator never published one. */
export async function newestCatalogueVersion(db: CoreDb): Promise<CatalogueVersion | undefined> {
  return db.query.catalogueVersions.findFirst({ orderBy: desc(catalogueVersions.version) });
}

/**
 * The newest version, with its document only when it is not `known` (the
 * version the caller already holds): a refresh that finds nothing new reads
 * one primary-key entry and transfers no document. undefined: no version.
 */
export async function catalogueVersionAfter(
  db: CoreDb,
  known: number | null,
): Promise<{ version: number; unchanged: boolean; document: string | null } | undefined> {
  const same = sql<number>`${catalogueVersions.version} = ${known ?? -1}`;
  const [row] = await db
    .select({
      version: catalogueVersions.version,
      unchanged: same,
      document: sql<string | null>`CASE WHEN ${same} THEN NULL ELSE ${catalogueVersions.document} END`,
    })
    .from(catalogueVersions)
    .orderBy(desc(catalogueVersions.version))
    .limit(1);
  return row ? { version: row.version, unchanged: Boolean(row.unchanged), document: row.document } : undefined;
}

/**
 * Appends `version` with its audit entry, in one transaction. The caller read
 * version - 1 as the newest; when another writer appended first, the primary
 * key refuses the row, nothing is written, and this returns false.
 */
export async function appendCatalogueVersion(
  db: CoreDb,
  row: { version: number; document: string | null; actor: string; comment: string | null; createdAt: number },
  audit: AuditEntry,
): Promise<boolean> {
  try {
    await db.batch([db.insert(catalogueVersions).values(row), auditInsert(db, audit)]);
    return true;
  } catch (err) {
    // Tell a lost race from a failure by what is stored, not by the error's wording.
    const taken = await db.query.catalogueVersions.findFirst({ columns: { version: true }, where: eq(catalogueVersions.version, row.version) });
    if (taken) return false;
    throw err;
  }
}

/** History, newest first: the model count is read in SQL, not by loading documents. */
export async function listCatalogueVersions(db: CoreDb, limit: number) {
  return db
    .select({
      version: catalogueVersions.version,
      createdAt: catalogueVersions.createdAt,
      actor: catalogueVersions.actor,
      comment: catalogueVersions.comment,
      seed: sql<number>`${catalogueVersions.document} IS NULL`,
      // null for a document that is not JSON (only a write outside the operator API stores one).
      models: sql<number | null>`CASE WHEN json_valid(${catalogueVersions.document}) THEN json_array_length(${catalogueVersions.document}, '$.models') END`,
    })
    .from(catalogueVersions)
    .orderBy(desc(catalogueVersions.version))
    .limit(limit);
}
