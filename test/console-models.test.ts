/**
 * The console's models page: the catalogue /v1/models lists, each route with
 * its region and prices, and which routes this account's requests may take.
 */
import { describe, expect, it } from "vitest";
import { SEED_CATALOGUE } from "../src/routing/catalogue";
import { signedInClient } from "./helpers/console";
import { newCustomer } from "./helpers/router";

/** The page's route rows by model and endpoint, as text without tags. */
function routeRows(html: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of html.matchAll(/<tr data-model="([^"]+)" data-endpoint="([^"]+)">([\s\S]*?)<\/tr>/g)) {
    rows.set(`${match[1]} ${match[2]}`, match[3]!.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim());
  }
  return rows;
}

async function modelsPage(consent: boolean) {
  const { accountId } = await newCustomer({ consent });
  const client = await signedInClient(accountId);
  const res = await client.get("/models");
  expect(res.status).toBe(200);
  return res.text();
}

describe("the models page", () => {
  it("lists every route of every model with its region and prices per million tokens", async () => {
    const html = await modelsPage(true);
    const rows = routeRows(html);
    expect(rows.size).toBe(SEED_CATALOGUE.models.reduce((n, m) => n + m.routes.length, 0));
    expect(rows.get("openai/gpt-4o-mini azure-eu")).toMatch(/ azure-eu EU \$0\.165 \$0\.66 Yes$/);
    expect(rows.get("openai/gpt-4o-mini openai")).toMatch(/^openai United States \$0\.15 \$0\.60 Yes$/);
    expect(html).toContain('<th scope="rowgroup" rowspan="2">GPT-4o mini');
  });

  it("marks non-EU routes as unusable for an account without non-EU transfer consent, and EU routes as usable", async () => {
    const html = await modelsPage(false);
    const rows = routeRows(html);
    expect(rows.get("openai/gpt-4o-mini openai")).toMatch(/No: needs consent to processing outside the EU$/);
    expect(rows.get("openai/gpt-4o-mini azure-eu")).toMatch(/ Yes$/);
    expect(rows.get("mistral/mistral-small-latest mistral-eu")).toMatch(/ Yes$/);
    expect(html).toContain("has not consented to processing outside the EU");
  });
});
