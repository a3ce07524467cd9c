/**
 * The fixed-rate load generator in its own process: it shares no event loop
 * with Miniflare's Node side or the bench's bookkeeping, so neither delays
 * its sends or its reading of responses. Receives {target, options, stream},
 * answers with the run.
 */
import { runOpenLoop, type OpenLoopOptions } from "./open-loop.ts";
import type { LoadTarget } from "./load.ts";

process.once("message", (message: { target: LoadTarget; options: OpenLoopOptions; stream: boolean }) => {
  void runOpenLoop(message.target, message.options, message.stream).then(
    (run) => process.send?.({ run }, () => process.exit(0)),
    (err: unknown) => process.send?.({ error: String(err) }, () => process.exit(1)),
  );
});
