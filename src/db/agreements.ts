/** Acceptances of the policies (table `agreements`), append-only. */
import { asc, eq } from "drizzle-orm";
import { newId } from "../shared/crypto";
import type { CoreDb } from "./client";
import { agreements, type AgreementDocument } from "./schema";

export type Agreement = typeof agreements.$inferSelect;

/** The inserts of one acceptance per document, unsent: for a batch with the writes they go with. */
export function agreementInserts(db: CoreDb, accountId: string, accepted: Record<AgreementDocument, string>, at: number, source: string) {
  return Object.entries(accepted).map(([document, version]) =>
    db.insert(agreements).values({ id: newId("agr"), accountId, document: document as AgreementDocument, version, acceptedAt: at, source }),
  );
}

export async function agreementsOf(db: CoreDb, accountId: string): Promise<Agreement[]> {
  return db.select().from(agreements).where(eq(agreements.accountId, accountId)).orderBy(asc(agreements.acceptedAt), asc(agreements.document));
}
