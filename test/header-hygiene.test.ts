import { describe, expect, it } from "vitest";
import { chat, newCustomer, tag, upstreamRequests } from "./helpers/router";

describe("what reaches the upstream", () => {
  it("carries only the router's credential and none of the client's headers", async () => {
    const { key } = await newCustomer();
    const marker = tag();
    const res = await chat(
      key,
      { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: marker }] },
      {
        cookie: "session=secret-cookie",
        "x-forwarded-for": "203.0.113.9",
        "openai-organization": "org-client",
        "openai-project": "proj-client",
        "x-custom-header": "client-value",
        "user-agent": "client-agent/1.0",
        "x-api-key": "client-x-api-key",
      },
    );
    expect(res.status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    const headers = seen!.headers;
    expect(headers.authorization).toBe("Bearer sk-router-openai-credential");
    for (const name of ["cookie", "x-forwarded-for", "openai-organization", "openai-project", "x-custom-header", "x-api-key"]) {
      expect(headers, name).not.toHaveProperty(name);
    }
    expect(headers["user-agent"]).toBe("emby-router/0.1");
    expect(JSON.stringify(headers)).not.toContain(key);
    expect(JSON.stringify(headers)).not.toContain("client-value");
  });

  it("tells the upstream the router's request id, not anything from the client", async () => {
    const { key } = await newCustomer();
    const marker = tag();
    const res = await chat(key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: marker }] }, { "x-client-request-id": "spoofed" });
    const [seen] = await upstreamRequests(marker);
    expect(seen!.headers["x-client-request-id"]).toBe(res.headers.get("x-request-id"));
  });
});
