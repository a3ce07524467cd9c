/**
 * The OpenAPI document is valid OpenAPI 3.1. Checked in Node: the validator
 * reads the specification's JSON Schemas from disk, which workerd cannot.
 * (test/openapi.test.ts checks in workerd that it lists every route.)
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";

// Imported by a specifier TypeScript does not follow: the router's sources use
// extensionless imports (bundler resolution), which tsconfig.node.json's
// nodenext resolution would reject; vitest resolves them at run time.
const DOCUMENT_MODULE: string = "../../src/router/openapi/document.ts";

describe("the OpenAPI document", () => {
  it("validates against the OpenAPI 3.1 schema", async () => {
    const { buildOpenApiDocument } = (await import(DOCUMENT_MODULE)) as { buildOpenApiDocument: () => Record<string, unknown> };
    const validator = new Validator();
    const result = await validator.validate(buildOpenApiDocument());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // Validated as 3.1, not by an older specification's schema.
    expect(validator.version).toBe("3.1");
  });

  it("would reject a broken one (the check can fail)", async () => {
    const result = await new Validator().validate({ openapi: "3.1.0", info: { title: "x" }, paths: { "/a": { get: { responses: { 200: {} } } } } });
    expect(result.valid).toBe(false);
  });
});
