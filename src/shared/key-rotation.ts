/**
 * Key rotation policy. The acceptable use policy asks customers to rotate
 * keys every 90 days; a key older than that is flagged in key listings
 * (`rotation_due`) and on every response it authenticates (a header), so
 * the reminder reaches the code that uses it.
 */

/** A key is due for rotation once it is older than this (90 days). */
export const KEY_ROTATION_DUE_MS = 90 * 24 * 60 * 60 * 1000;

/** The header an authenticated response carries while its key is due: the ISO date it became due. */
export const KEY_ROTATION_DUE_HEADER = "x-emby-key-rotation-due";

/** When a key created at `createdAt` (ms) becomes due for rotation. */
export function rotationDueAt(createdAt: number): number {
  return createdAt + KEY_ROTATION_DUE_MS;
}

/**
 * Whether a key still in service should be rotated now: active, not yet
 * expired, not already rotated out (it has a replacement and stops at its
 * expiry), and older than KEY_ROTATION_DUE_MS.
 */
export function isRotationDue(
  key: { createdAt: number; status: string; expiresAt: number | null; replacedBy: string | null },
  now: number,
): boolean {
  if (key.status !== "active" || key.replacedBy !== null) return false;
  if (key.expiresAt !== null && key.expiresAt <= now) return false;
  return now > rotationDueAt(key.createdAt);
}
