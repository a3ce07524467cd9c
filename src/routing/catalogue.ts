/**
 * The catalogue a request is served with. The seed catalogue in code
 * (src/providers/catalogue.ts) until an operator publishes an update; see
 * catalogue-store.ts (currentCatalogue) for how updates reach every isolate.
 */
import { CATALOGUE } from "../providers/catalogue";
import type { ModelEntry } from "../providers/types";

export interface Catalogue {
  /** 0 for the seed; an operator update's version number otherwise. */
  readonly version: number;
  readonly models: readonly ModelEntry[];
  find(id: string): ModelEntry | undefined;
}

export function buildCatalogue(version: number, models: readonly ModelEntry[]): Catalogue {
  const byId = new Map(models.map((m) => [m.id, m]));
  return { version, models, find: (id) => byId.get(id) };
}

export const SEED_CATALOGUE = buildCatalogue(0, CATALOGUE);
