/** Starts and talks to bench/fake-child.ts. */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export interface FakeProcess {
  url: string;
  pid: number | null;
  /** Chat requests the fake has served so far. */
  chatRequests(): Promise<number>;
  close(): Promise<void>;
}

interface ChildMessage {
  type: string;
  url?: string;
  chatRequests?: number;
}

function next(child: ChildProcess, type: string): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`fake upstream exited (${code})`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

export async function startFake(): Promise<FakeProcess> {
  const child = fork(join(import.meta.dirname, "fake-child.ts"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ready = await next(child, "ready");
  return {
    url: ready.url!,
    pid: child.pid ?? null,
    async chatRequests() {
      const reply = next(child, "counts");
      child.send({ type: "counts" });
      return (await reply).chatRequests ?? 0;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
