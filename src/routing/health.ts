/** Placeholder until the shared route-health module lands: every route healthy. */
export function routeState(_key: string, _now?: number): "closed" | "open" | "half_open" {
  return "closed";
}
export function routeLatencyMs(_key: string): number | null {
  return null;
}
export function recordAttempt(_key: string, _result: { ok: boolean; latencyMs: number }): void {}
export async function claimProbe(_env: Env, _key: string): Promise<boolean> {
  return true;
}
export function syncHealth(_env: Env, _waitUntil: (p: Promise<unknown>) => void): void {}
