/**
 * The response cache and a key's EU restriction (docs/cache.md, "Key"): the
 * cache key holds whether the request may leave the EU, so an answer an
 * unrestricted key caused (on any route the account's consent allows) is never
 * served to a key of the same account restricted to EU routes.
 */
import { describe, expect, it } from "vitest";
import { send, TTL } from "./helpers/cache";
import { admin, newCustomer, tag, upstreamRequests } from "./helpers/router";

const mistral = "mistral/mistral-small-latest";
const chatPath = "/v1/chat/completions";

describe("a key restricted to EU routes", () => {
  it("is not served an entry an unrestricted key of the same account stored for the same request", async () => {
    // The account consents to non-EU processing; its first key is unrestricted.
    const c = await newCustomer({ consent: true });
    const made = await admin("POST", `/accounts/${c.accountId}/keys`, { data_region: "eu" });
    expect(made.status).toBe(201);
    const { key: euKey, data_region: region } = (await made.json()) as { key: string; data_region: string | null };
    expect(region).toBe("eu");
    const marker = tag();
    const body = { model: mistral, messages: [{ role: "user", content: `${marker} hello` }] };

    const stored = await send(chatPath, c.key, body, TTL);
    expect(stored.res.headers.get("x-emby-cache")).toBe("miss");
    expect((await send(chatPath, c.key, body, TTL)).res.headers.get("x-emby-cache")).toBe("hit");

    const eu = await send(chatPath, euKey, body, TTL);
    expect(eu.res.status).toBe(200);
    expect(eu.res.headers.get("x-emby-cache")).toBe("miss");
    expect(eu.event).toMatchObject({ cache: "miss", data_region: "eu" });
    // Its own answer is stored under its own key, and served to it.
    expect((await send(chatPath, euKey, body, TTL)).res.headers.get("x-emby-cache")).toBe("hit");
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });
});
