/**
 * A D1 binding that records what goes through it: every statement's SQL and
 * bound parameter count, and the number of statements in each batch. Local D1
 * enforces neither the 100-parameter limit nor any statement budget, so tests
 * count them here.
 */
export interface D1Record {
  statements: { sql: string; params: number }[];
  batches: number[];
}

export function recordingD1(d1: D1Database): { db: D1Database; record: D1Record } {
  const record: D1Record = { statements: [], batches: [] };
  const bound = (target: object, value: unknown) => (typeof value === "function" ? value.bind(target) : value);
  const wrapStatement = (statement: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(st, p) {
        const v = Reflect.get(st, p) as unknown;
        if (p !== "bind" || typeof v !== "function") return bound(st, v);
        return (...params: unknown[]) => {
          record.statements.push({ sql, params: params.length });
          return (v as D1PreparedStatement["bind"]).apply(st, params);
        };
      },
    });
  const db = new Proxy(d1, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop === "prepare" && typeof value === "function") return (sql: string) => wrapStatement((value as D1Database["prepare"]).call(target, sql), sql);
      if (prop === "batch" && typeof value === "function")
        return (statements: D1PreparedStatement[]) => {
          record.batches.push(statements.length);
          return (value as D1Database["batch"]).call(target, statements);
        };
      return bound(target, value);
    },
  });
  return { db, record };
}
