/**
 * Durable Object ids of the accounts' limiters, kept per isolate.
 *
 * An id is a value: `idFromName` is a pure function of the namespace and the
 * name, so one made for an earlier request names the same object (an erased
 * account's too: erasure empties the object, its id stays). A stub is not: it
 * belongs to the request that made it (workerd refuses it in another one with
 * "Cannot perform I/O on behalf of a different request"; an exception on a
 * stub breaks it for good), so stubs are still made per call, from the
 * kept id. Hashing the name was ~0.7% of the router isolate's JavaScript
 * (docs/performance.md, "Round two").
 */

/** Most ids kept per namespace; past it the least recently used goes. */
export const MAX_KEPT_IDS = 10_000;

const kept = new WeakMap<DurableObjectNamespace, Map<string, DurableObjectId>>();

/**
 * The id of `name` in `namespace`, or in its jurisdiction `jurisdiction`
 * (`jurisdictional`, that namespace made for this call): from this isolate's
 * memory when it was made before. Keyed by the binding itself, so an id is
 * never used with another namespace.
 */
export function keptIdFromName(namespace: DurableObjectNamespace, jurisdictional: DurableObjectNamespace, jurisdiction: string, name: string): DurableObjectId {
  let ids = kept.get(namespace);
  if (!ids) kept.set(namespace, (ids = new Map()));
  const key = `${jurisdiction}/${name}`;
  const id = ids.get(key);
  if (id) {
    // Maps iterate in insertion order: moving a hit to the end makes the first key the least recently used.
    ids.delete(key);
    ids.set(key, id);
    return id;
  }
  if (ids.size >= MAX_KEPT_IDS) ids.delete(ids.keys().next().value!);
  const made = jurisdictional.idFromName(name);
  ids.set(key, made);
  return made;
}

/** The names this isolate keeps ids of for `namespace`, least recently used first (tests). */
export function keptIdNames(namespace: DurableObjectNamespace): string[] {
  return [...(kept.get(namespace)?.keys() ?? [])];
}
