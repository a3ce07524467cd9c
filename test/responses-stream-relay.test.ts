/**
 * A /v1/responses stream on a route that does not speak the Responses API is
 * translated inside the provider's relay (one relay, as /v1/messages): the
 * relay's commit point, failover before commit and mid-stream failures must
 * hold for the Responses events the client reads.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseResponsesEvents, responses, type ResponsesEvent } from "./helpers/responses";
import { newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";
import { callWithLog } from "./helpers/log-capture";

const MODEL = "mistral/mistral-small-latest";

let customer: Customer;
beforeAll(async () => {
  // Consent to transfers: the model's global route is a fallback for this account.
  customer = await newCustomer({ consent: true });
});

function expectNumbered(events: ResponsesEvent[]): void {
  events.forEach((e, i) => {
    expect(e.data.type).toBe(e.event);
    expect(e.data.sequence_number).toBe(i);
  });
}

describe("/v1/responses streams on a translated route", () => {
  it("fails over when the first route errs before any content: the client sees one clean stream from the second", async () => {
    const marker = tag();
    const res = await responses(customer.key, { model: MODEL, stream: true, input: `${marker} fake:{"route":"mistral","streamError":"first"}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-emby-attempts")).toBe("2");
    const events = parseResponsesEvents(await res.text());
    expect((await upstreamRequests(marker)).map((r) => r.label)).toEqual(["mistral", "mistral-global"]);
    expectNumbered(events);
    expect(events.filter((e) => e.event === "response.created")).toHaveLength(1);
    expect(events.map((e) => e.event)).not.toContain("response.failed");
    expect(events.at(-1)!.event).toBe("response.completed");
  });

  it("an upstream error after content ends the stream with one response.failed, after the items so far, logged once as a failure", async () => {
    const call = await callWithLog("/v1/responses", {
      method: "POST",
      headers: { authorization: `Bearer ${customer.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, stream: true, input: 'fake:{"streamError":"mid"}' }),
    });
    expect(call.response.status).toBe(200);
    const events = parseResponsesEvents(await call.response.text());
    expectNumbered(events);
    expect(events.map((e) => e.event)).toContain("response.output_text.delta");
    expect(events.filter((e) => e.event === "response.failed")).toHaveLength(1);
    expect(events.at(-1)!.event).toBe("response.failed");
    const logged = await call.settled();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ endpoint: "responses", streamed: true });
    expect(logged[0]!.error_code).not.toBeNull();
  });

  it("a connection dropped mid-stream ends with one response.failed", async () => {
    const res = await responses(customer.key, { model: MODEL, stream: true, input: 'fake:{"drop":"mid"}' });
    expect(res.status).toBe(200);
    const events = parseResponsesEvents(await res.text());
    expectNumbered(events);
    expect(events.filter((e) => e.event === "response.failed")).toHaveLength(1);
    expect(events.at(-1)!.event).toBe("response.failed");
  });
});
