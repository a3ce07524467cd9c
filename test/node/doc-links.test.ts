/**
 * Every relative link in README.md and docs/*.md points to a file that
 * exists and, when it names an anchor in a markdown file, to a heading of
 * that file under GitHub's slug rules: the docs are read on GitHub, where a
 * broken link fails silently.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The text outside fenced code blocks and inline code, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Inline `[text](target "title")`, images included, and reference definitions `[label]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const references = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!);
  return [...inline, ...references];
}

/** GitHub's anchor for a heading's text: lower case, punctuation but `-` and `_` dropped, spaces as `-`. */
function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link reads as its text
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/[*`]/g, "");
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a markdown file's headings give, numbered like GitHub's for repeats (`-1`, `-2`). */
function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const headings = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm);
  for (const [, heading] of headings) {
    const slug = githubSlug(heading!);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

function brokenLinks(file: string): string[] {
  const markdown = readFileSync(file, "utf8");
  const broken: string[] = [];
  for (const target of linkTargets(markdown)) {
    // Absolute URLs (https:, mailto:, ...) and site paths (/docs) are not files of this repository.
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("/")) continue;
    const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
    const path = pathPart === "" ? file : join(dirname(file), decodeURIComponent(pathPart));
    const where = `${relative(ROOT, file)}: ${target}`;
    if (!existsSync(path)) {
      broken.push(`${where} (no such file)`);
    } else if (anchor !== undefined && path.endsWith(".md") && !headingAnchors(readFileSync(path, "utf8")).has(decodeURIComponent(anchor))) {
      broken.push(`${where} (no such heading)`);
    }
  }
  return broken;
}

const DOCS = [join(ROOT, "README.md"), ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(ROOT, "docs", f))];

describe("relative links in README.md and docs/*.md", () => {
  it("point to files and headings that exist", () => {
    expect(DOCS.flatMap(brokenLinks)).toEqual([]);
  });

  it("are found and judged as GitHub would (the check can fail)", () => {
    expect(linkTargets('See [a](docs/a.md#x "t"), ![i](img.png), `[no](code.md)`,\n```\n[no](fence.md)\n```\n[ref]: other.md')).toEqual([
      "docs/a.md#x",
      "img.png",
      "other.md",
    ]);
    expect(githubSlug("What is stored where")).toBe("what-is-stored-where");
    expect(githubSlug("`x-emby-route` and [Retry-After](https://x) (429)")).toBe("x-emby-route-and-retry-after-429");
    expect(githubSlug("Node 20+, npm & the API_KEY")).toBe("node-20-npm--the-api_key");
    expect([...headingAnchors("# Errors\n## Errors\n```\n# not a heading\n```\n## Über Ä")]).toEqual(["errors", "errors-1", "über-ä"]);
  });
});
