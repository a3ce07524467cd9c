/**
 * An abandoned OpenAI stream loads the tokenizer (a lazy import) before its
 * outcome settles. The deployed bundle only evaluates that module; the test
 * runner first transforms its 2.4 MB source, which takes seconds on a busy
 * machine. A test file that abandons OpenAI streams and waits for their
 * outcome loads it once up front, so no single test pays for it.
 */
import { beforeAll } from "vitest";

export function preloadTokenizer(): void {
  beforeAll(() => import("gpt-tokenizer/encoding/o200k_base").then(() => undefined), 120_000);
}
