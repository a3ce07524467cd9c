import { describe, expect, it } from "vitest";
import { JOURNAL_QUERY, reapplyFromFile, restoreWithErasures, type RestoreDeps } from "../../scripts/d1-restore.ts";

const JOURNAL = [
  { subject_hash: "a".repeat(64), erased_at: 1_780_000_000_000 },
  { subject_hash: "b".repeat(64), erased_at: 1_780_000_100_000 },
];

/** Records every step the script takes, in order; wrangler and the router are fakes. */
function fakeDeps(options: { reapplyStatus?: number } = {}) {
  const steps: string[] = [];
  const files = new Map<string, string>();
  const posts: { url: string; headers: Headers; body: unknown }[] = [];
  const deps: RestoreDeps = {
    wrangler(args) {
      steps.push(`wrangler ${args.join(" ")}`);
      if (args[1] === "execute") return JSON.stringify([{ results: JOURNAL, success: true, meta: {} }]);
      return JSON.stringify({ success: true });
    },
    async fetch(url, init) {
      steps.push(`POST ${url}`);
      posts.push({ url, headers: new Headers(init.headers), body: JSON.parse(init.body as string) });
      const status = options.reapplyStatus ?? 200;
      return new Response(JSON.stringify(status === 200 ? { object: "erasure.reapply", re_erased: 1 } : { error: { message: "boom" } }), { status });
    },
    writeFile(path, text) {
      steps.push(`save ${path}`);
      files.set(path, text);
    },
    readFile: (path) => files.get(path)!,
    log: () => {},
  };
  return { deps, steps, files, posts };
}

const options = { database: "LOGS_DB" as const, timestamp: "2026-06-01T00:00:00Z", routerUrl: "https://router.example", adminToken: "tok", journalFile: "j.json" };

describe("npm run db:restore", () => {
  it("saves the journal from the live core database, restores, then re-applies the saved journal, in that order", async () => {
    const { deps, steps, files, posts } = fakeDeps();
    const report = await restoreWithErasures(deps, options);
    expect(steps).toEqual([
      `wrangler d1 execute DB --remote --json --command ${JOURNAL_QUERY}`,
      "save j.json",
      "wrangler d1 time-travel restore LOGS_DB --timestamp=2026-06-01T00:00:00Z --json",
      "POST https://router.example/admin/v1/erasures/reapply",
    ]);
    expect(JSON.parse(files.get("j.json")!)).toEqual({ journal: JOURNAL });
    expect(posts[0]!.headers.get("authorization")).toBe("Bearer tok");
    expect(posts[0]!.body).toEqual({ journal: JOURNAL });
    expect(report).toEqual({ object: "erasure.reapply", re_erased: 1 });
  });

  it("does not restore when the journal cannot be read", async () => {
    const { deps, steps } = fakeDeps();
    deps.wrangler = (args) => {
      steps.push(`wrangler ${args.join(" ")}`);
      return JSON.stringify([{ success: false }]);
    };
    await expect(restoreWithErasures(deps, options)).rejects.toThrow(/unexpected output/);
    expect(steps.some((s) => s.includes("time-travel"))).toBe(false);
  });

  it("keeps the saved journal when the re-apply fails, and re-applies it alone from the file", async () => {
    const failing = fakeDeps({ reapplyStatus: 500 });
    await expect(restoreWithErasures(failing.deps, options)).rejects.toThrow(/--reapply=j\.json/);
    const retry = fakeDeps();
    retry.files.set("j.json", failing.files.get("j.json")!);
    await reapplyFromFile(retry.deps, options, "j.json");
    expect(retry.steps).toEqual(["POST https://router.example/admin/v1/erasures/reapply"]);
    expect(retry.posts[0]!.body).toEqual({ journal: JOURNAL });
  });
});
