/**
 * The catalogue in force, cached per isolate, so the warm path makes no D1
 * query and awaits no I/O.
 *
 * Propagation (R = CATALOGUE_REFRESH_S, default 30 s; H = 10 × R, 5 min by
 * default). A request is served with the copy this isolate last checked
 * against D1; the check's age decides:
 * - under R: served as it is;
 * - from R to H: served as it is, and one refresh (single flight per isolate)
 *   is handed to waitUntil for the requests that follow: this one neither
 *   waits for it nor uses its result;
 * - H or more (an isolate that was idle, or a cold one): the request waits
 *   for its own D1 query.
 * So no request is served with a catalogue checked more than H ago, and an
 * isolate under steady traffic takes a change within R plus one request. The
 * isolate that published a change serves it at once. A refresh that finds no
 * new version reads one row and no document. A cold isolate queries once per
 * request until its first load lands (concurrent requests do not await one
 * another's I/O, which workerd forbids).
 *
 * A failed query, or a stored document that no longer validates (say a
 * deploy removed an endpoint it names), keeps what the isolate serves (the
 * seed when it had nothing else) and is logged with the version only; the
 * next check is R later, so a failing D1 is not asked on every request.
 */
import { catalogueVersionAfter } from "../db/catalogue-versions";
import { coreDb } from "../db/client";
import { buildCatalogue, SEED_CATALOGUE, type Catalogue } from "./catalogue";
import { catalogueDocumentSchema, catalogueFromDocument } from "./catalogue-document";

type WaitUntil = (promise: Promise<unknown>) => void;

/** What the store reads of a worker's env: the router's, or the console's (which sets no refresh and takes the default). */
export type CatalogueEnv = Pick<Env, "DB"> & Partial<Pick<Env, "CATALOGUE_REFRESH_S">>;

const DEFAULT_REFRESH_S = 30;
/** Below a second, the hard bound would put a D1 query before most requests of an isolate. */
const MIN_REFRESH_S = 1;
const MAX_REFRESH_S = 600;
/** How much older than R a copy may get before a request waits for a fresh one. */
const HARD_BOUND_FACTOR = 10;
/** A background refresh not settled after this long (its request's context gone) no longer blocks the next one. */
const REFRESH_STUCK_MS = 10_000;

export interface CatalogueTiming {
  refreshMs: number;
  hardBoundMs: number;
}

const timings = new WeakMap<object, CatalogueTiming>();

export function catalogueTiming(env: CatalogueEnv): CatalogueTiming {
  let timing = timings.get(env);
  if (!timing) {
    const s = Number(env.CATALOGUE_REFRESH_S);
    const refreshS = Number.isFinite(s) && s > 0 ? Math.min(Math.max(s, MIN_REFRESH_S), MAX_REFRESH_S) : DEFAULT_REFRESH_S;
    timing = { refreshMs: refreshS * 1000, hardBoundMs: refreshS * 1000 * HARD_BOUND_FACTOR };
    timings.set(env, timing);
  }
  return timing;
}

export class CatalogueStore {
  private catalogue: Catalogue = SEED_CATALOGUE;
  /** When the copy was last checked against D1 (the start of that query); -Infinity: never. */
  private checkedAt = Number.NEGATIVE_INFINITY;
  /** The newest version looked at, valid or not, so an invalid one is logged once, not at every refresh. */
  private seenVersion: number | null = null;
  private refreshingUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {}

  /** The catalogue for a request: at once when the copy is fresh enough, else after one D1 query. */
  get(env: CatalogueEnv, waitUntil: WaitUntil): Catalogue | Promise<Catalogue> {
    const { refreshMs, hardBoundMs } = catalogueTiming(env);
    const now = this.now();
    const age = now - this.checkedAt;
    if (age < refreshMs) return this.catalogue;
    if (age < hardBoundMs) {
      if (now >= this.refreshingUntil) {
        const until = (this.refreshingUntil = now + REFRESH_STUCK_MS);
        // A stuck refresh that settles late must not clear the flag of the one after it.
        const done = () => {
          if (this.refreshingUntil === until) this.refreshingUntil = Number.NEGATIVE_INFINITY;
        };
        waitUntil(this.load(env).finally(done));
      }
      return this.catalogue;
    }
    return this.load(env).then(() => this.catalogue);
  }

  /** What a publish made through this isolate puts in force here at once. */
  publish(catalogue: Catalogue): void {
    this.catalogue = catalogue;
    this.seenVersion = catalogue.version;
    this.checkedAt = this.now();
  }

  private async load(env: CatalogueEnv): Promise<void> {
    const startedAt = this.now();
    let row: Awaited<ReturnType<typeof catalogueVersionAfter>>;
    try {
      row = await catalogueVersionAfter(coreDb(env.DB), this.seenVersion);
    } catch (err) {
      console.error(`catalogue: load failed (${err instanceof Error ? err.name : "error"}); keeping version ${this.catalogue.version}`);
      this.checkedAt = Math.max(this.checkedAt, startedAt);
      return;
    }
    // A slower query that started before a newer load or a publish must not undo it.
    if (startedAt < this.checkedAt) return;
    this.checkedAt = startedAt;
    if (row?.unchanged) return;
    const version = row?.version ?? 0;
    this.seenVersion = version;
    const next = this.parse(version, row?.document ?? null);
    if (next) this.catalogue = next;
  }

  /** The catalogue a stored version means, or null (logged) when it does not validate. */
  private parse(version: number, document: string | null): Catalogue | null {
    if (document === null) return version === 0 ? SEED_CATALOGUE : buildCatalogue(version, SEED_CATALOGUE.models);
    let json: unknown;
    try {
      json = JSON.parse(document);
    } catch {
      console.error(`catalogue: version ${version} is not JSON; keeping version ${this.catalogue.version}`);
      return null;
    }
    const parsed = catalogueDocumentSchema.safeParse(json);
    if (!parsed.success) {
      // The field's path only: never the values it holds.
      const at = (parsed.error.issues[0]?.path ?? []).map(String).join(".");
      console.error(`catalogue: version ${version} is invalid at '${at}'; keeping version ${this.catalogue.version}`);
      return null;
    }
    return catalogueFromDocument(version, parsed.data);
  }
}

/** This isolate's store; tests make their own instances to play a second isolate. */
export const catalogueStore = new CatalogueStore();

/** The catalogue for this request (see the bound above). */
export async function currentCatalogue(env: CatalogueEnv, waitUntil: WaitUntil): Promise<Catalogue> {
  return catalogueStore.get(env, waitUntil);
}
