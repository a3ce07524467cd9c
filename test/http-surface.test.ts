import { beforeAll, describe, expect, it } from "vitest";
import { messages } from "./helpers/messages";
import { ADMIN_TOKEN, admin, call, errorOf, newCustomer, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("credentials in the query string", () => {
  it("are refused with 401 api_key_in_query, even when valid and a valid header key is sent too", async () => {
    for (const param of ["api_key", "API_KEY", "key", "access_token", "token", "apikey", "ApiKey"]) {
      const res = await call(`/v1/models?${param}=${customer.key}`, { headers: bearer(customer.key) });
      expect(res.status, param).toBe(401);
      const error = await errorOf(res);
      expect(error.code, param).toBe("api_key_in_query");
      expect(error.message).toContain("Authorization: Bearer");
      expect(error.message).not.toContain(customer.key);
    }
  });

  it("are refused on chat completions before anything is sent upstream", async () => {
    const res = await call(`/v1/chat/completions?api_key=${customer.key}`, {
      method: "POST",
      headers: { ...bearer(customer.key), "content-type": "application/json" },
      body: JSON.stringify({ model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("api_key_in_query");
  });

  it("are refused on /v1/messages, in Anthropic's error shape", async () => {
    const res = await call(`/v1/messages?key=${customer.key}`, {
      method: "POST",
      headers: { "x-api-key": customer.key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "mistral/mistral-small-latest", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(body.error.message).toContain("x-api-key");
  });

  it("are refused on the operator API (?token=)", async () => {
    const res = await call(`/admin/v1/accounts/acct_x/keys?token=${ADMIN_TOKEN}`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("api_key_in_query");
  });

  it("leave other query parameters alone", async () => {
    const res = await call("/v1/usage?model=openai/gpt-4o-mini", { headers: bearer(customer.key) });
    expect(res.status).toBe(200);
  });
});

describe("authorization schemes", () => {
  it("answers a non-Bearer scheme with invalid_authorization_scheme, naming the right header", async () => {
    for (const header of [`Basic ${btoa(`user:${customer.key}`)}`, `Token ${customer.key}`, customer.key]) {
      const res = await call("/v1/models", { headers: { authorization: header } });
      expect(res.status, header.slice(0, 6)).toBe(401);
      const error = await errorOf(res);
      expect(error.code).toBe("invalid_authorization_scheme");
      expect(error.message).toContain("Authorization: Bearer <key>");
    }
  });

  it("does the same on /v1/messages and on the operator API", async () => {
    const anthropic = await messages(customer.key, { model: "mistral/mistral-small-latest", max_tokens: 10, messages: [] }, { authorization: "Basic abc" });
    expect(anthropic.status).toBe(401);
    expect(((await anthropic.json()) as { error: { message: string } }).error.message).toContain("Bearer");
    const res = await call("/admin/v1/accounts/lookup", { method: "POST", headers: { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` }, body: "{}" });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("invalid_authorization_scheme");
  });

  it("still calls an empty Bearer a missing key", async () => {
    const res = await call("/v1/models", { headers: { authorization: "Bearer " } });
    expect((await errorOf(res)).code).toBe("missing_api_key");
  });
});

describe("methods", () => {
  it("answers a known path with the wrong method 405 with Allow", async () => {
    const cases: [string, string, string][] = [
      ["GET", "/v1/chat/completions", "POST"],
      ["PUT", "/v1/models", "GET, HEAD"],
      ["DELETE", "/v1/models/openai/gpt-4o-mini", "GET, HEAD"],
      ["POST", "/v1/account/consent", "GET, HEAD, PUT"],
      ["GET", "/admin/v1/accounts/acct_x/keys", "POST"],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(path, { method, headers: bearer(path.startsWith("/admin") ? ADMIN_TOKEN : customer.key) });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
      expect(await errorOf(res)).toMatchObject({ type: "invalid_request_error", code: "method_not_allowed" });
    }
  });

  // Every route family, including those whose authentication is mounted for the whole
  // path: the method is checked before the credentials, which a preflight never carries.
  const families: [string, string][] = [
    ["/v1/chat/completions", "POST"],
    ["/v1/messages", "POST"],
    ["/v1/models", "GET, HEAD"],
    ["/v1/models/openai/gpt-4o-mini", "GET, HEAD"],
    ["/v1/generation", "GET, HEAD"],
    ["/v1/usage", "GET, HEAD"],
    ["/v1/account/consent", "GET, HEAD, PUT"],
    ["/admin/v1/accounts", "GET, HEAD, POST"],
    ["/admin/v1/accounts/acct_x", "PATCH"],
    ["/admin/v1/accounts/acct_x/keys", "POST"],
  ];

  it("answers a method a path does not take 405 with Allow before asking for credentials", async () => {
    for (const [path, allow] of families) {
      for (const method of ["OPTIONS", "DELETE"]) {
        const res = await call(path, { method, headers: { origin: "https://example.com", "access-control-request-method": "GET" } });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
        expect(res.headers.get("www-authenticate"), `${method} ${path}`).toBeNull();
      }
    }
    // A method the app uses elsewhere, but not on this path.
    const elsewhere: [string, string][] = [["PUT", "/v1/models"], ["POST", "/v1/usage"], ["POST", "/v1/account/consent"], ["PUT", "/admin/v1/accounts/acct_x"]];
    for (const [method, path] of elsewhere) {
      const res = await call(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect((await errorOf(res)).code).toBe("method_not_allowed");
    }
  });

  it("answers a wrong method 405 with valid credentials too, and a right method without them 401", async () => {
    for (const [path, allow] of families) {
      const headers = path.startsWith("/admin") ? bearer(ADMIN_TOKEN) : { ...bearer(customer.key), "x-api-key": customer.key };
      const res = await call(path, { method: "DELETE", headers });
      expect(res.status, `DELETE ${path}`).toBe(405);
      expect(res.headers.get("allow"), `DELETE ${path}`).toBe(allow);
      const method = allow.split(", ").at(-1) ?? "";
      const anonymous = await call(path, { method, headers: { "content-type": "application/json" }, body: method === "GET" || method === "HEAD" ? undefined : "{}" });
      expect(anonymous.status, `${method} ${path}`).toBe(401);
    }
  });

  it("answers a wrong method on /v1/messages in Anthropic's shape", async () => {
    const res = await call("/v1/messages", { headers: { "x-api-key": customer.key } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });

  it("keeps 404 route_not_found for unknown paths, whatever the method", async () => {
    for (const method of ["GET", "POST", "OPTIONS"]) {
      const res = await call("/v1/nothing-here", { method });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe("route_not_found");
    }
  });
});

describe("browsers and CORS", () => {
  it("answers a CORS preflight 405 without any Access-Control header", async () => {
    const res = await call("/v1/chat/completions", {
      method: "OPTIONS",
      headers: { origin: "https://example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect([...res.headers.keys()].filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });

  it("sends no Access-Control header on a cross-origin request either", async () => {
    const res = await call("/v1/models", { headers: { ...bearer(customer.key), origin: "https://example.com" } });
    expect(res.status).toBe(200);
    expect([...res.headers.keys()].filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });
});

describe("caching of secrets", () => {
  it("marks a key-creation response, and every operator response, Cache-Control: no-store", async () => {
    const res = await admin("POST", `/accounts/${customer.accountId}/keys`, {});
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const patch = await admin("PATCH", `/accounts/${customer.accountId}`, { tier: "pro" });
    expect(patch.headers.get("cache-control")).toBe("no-store");
  });
});
