/**
 * The local outbox: mail the console or router would have sent, kept in this isolate's
 * memory (local development runs one). Never used in production, where
 * EMAIL_TRANSPORT is "binding"; GET /dev/outbox answers 404 there.
 */
import type { Mail } from "./send";

export interface OutboxMail extends Mail {
  id: number;
  sentAt: number;
}

const OUTBOX_LIMIT = 100;
const outbox: OutboxMail[] = [];
let nextId = 1;

export function keepInOutbox(mail: Mail): void {
  outbox.push({ ...mail, id: nextId++, sentAt: Date.now() });
  if (outbox.length > OUTBOX_LIMIT) outbox.shift();
}

/** Mail kept since `afterId` (exclusive), oldest first. */
export function outboxSince(afterId = 0): OutboxMail[] {
  return outbox.filter((m) => m.id > afterId);
}
