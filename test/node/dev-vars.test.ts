import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { addMissingDevVars, ensureDevVars, readDevVars } from "../../scripts/dev-vars.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function projectDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "emby-devvars-"));
  dirs.push(dir);
  writeFileSync(join(dir, ".dev.vars.example"), readFileSync(".dev.vars.example"));
  return dir;
}

describe(".dev.vars handling of npm run dev", () => {
  it("creates .dev.vars from the committed example when missing", () => {
    const dir = projectDir();
    expect(ensureDevVars(dir)).toBe(true);
    const vars = readDevVars(dir);
    expect(vars.ADMIN_TOKEN).toBeTruthy();
    for (const name of ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL", "MISTRAL_BASE_URL"]) {
      expect(vars[name], name).toMatch(/^http:\/\/127\.0\.0\.1:8790\//);
    }
  });

  it("never overwrites an existing .dev.vars", () => {
    const dir = projectDir();
    writeFileSync(join(dir, ".dev.vars"), 'OPENAI_BASE_URL="https://my-proxy.example/v1"\n');
    expect(ensureDevVars(dir)).toBe(false);
    expect(readDevVars(dir)).toEqual({ OPENAI_BASE_URL: "https://my-proxy.example/v1" });
  });

  it("parses comments, quotes and blank lines", () => {
    const dir = projectDir();
    writeFileSync(join(dir, ".dev.vars"), "# comment\n\nA=1\nB = 'two words'\nC=\"x=y\"\n");
    expect(readDevVars(dir)).toEqual({ A: "1", B: "two words", C: "x=y" });
  });

  it("adds the example's keys an older .dev.vars lacks (the STRIPE_* keys), leaving its lines as they are", () => {
    const dir = projectDir();
    // A .dev.vars from before billing, edited by its developer, without a final newline.
    const old = "# mine\nADMIN_TOKEN=my-token\nOPENAI_BASE_URL=\"https://my-proxy.example/v1\"";
    writeFileSync(join(dir, ".dev.vars"), old);
    const example = readDevVars(dir, ".dev.vars.example");
    const added = addMissingDevVars(dir);
    expect(added).toEqual(Object.keys(example).filter((k) => k !== "ADMIN_TOKEN" && k !== "OPENAI_BASE_URL"));
    expect(added).toEqual(expect.arrayContaining(["STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_PRO_PRICE_ID"]));
    const text = readFileSync(join(dir, ".dev.vars"), "utf8");
    expect(text.startsWith(`${old}\n`)).toBe(true);
    expect(readDevVars(dir)).toEqual({ ...example, ADMIN_TOKEN: "my-token", OPENAI_BASE_URL: "https://my-proxy.example/v1" });
    expect(readDevVars(dir).STRIPE_WEBHOOK_SECRET).toBe("whsec_fake_emby_local");
    // A second run finds nothing missing and changes nothing.
    expect(addMissingDevVars(dir)).toEqual([]);
    expect(readFileSync(join(dir, ".dev.vars"), "utf8")).toBe(text);
  });

  it("adds nothing to a .dev.vars made from the current example", () => {
    const dir = projectDir();
    ensureDevVars(dir);
    const text = readFileSync(join(dir, ".dev.vars"), "utf8");
    expect(addMissingDevVars(dir)).toEqual([]);
    expect(readFileSync(join(dir, ".dev.vars"), "utf8")).toBe(text);
  });
});
