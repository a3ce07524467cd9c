/** @jsxImportSource hono/jsx */
/** A moment as people read it (`YYYY-MM-DD HH:MM UTC`), inside <time> carrying the ISO form for machines. */
export function When({ ms, absent = "—" }: { ms: number | null; absent?: string }) {
  if (ms === null) return <>{absent}</>;
  const iso = new Date(ms).toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`}</time>;
}
