/**
 * The fake upstream in its own process (so it does not share an event loop
 * with the load generator), counting the chat requests it serves: the
 * upstream-side check of "one upstream fetch per request". Talks to the
 * parent over IPC: sends {ready, url}, answers "counts" with {counts}.
 */
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { startFakeUpstream } from "../test/fake-upstream/server.ts";

let chatRequests = 0;
subscribe("http.server.request.start", (message) => {
  const { request } = message as { request: IncomingMessage };
  if (request.url?.endsWith("/chat/completions")) chatRequests++;
});

const fake = await startFakeUpstream({ port: 0 });
process.send?.({ type: "ready", url: fake.url });
process.on("message", (message: { type: string }) => {
  if (message.type === "counts") process.send?.({ type: "counts", chatRequests });
});
process.on("disconnect", () => void fake.close().then(() => process.exit(0)));
