import { upstreamRequests } from "./router";

/** Waits until the fake upstream saw the request tagged `marker` closed early; false after `ms`. */
export async function upstreamSawAbort(marker: string, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await upstreamRequests(marker))[0]?.aborted === true) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
