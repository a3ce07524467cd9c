/** What the bench build counts per worker (bench/workers/counting.ts); shared with the Node side. */
export interface Counts {
  /** fetch events handled (bench routes excluded). */
  requests: number;
  /** D1 statements executed: first/all/run/raw each count one, a batch counts its statements. */
  d1Statements: number;
  d1Batches: number;
  /** Calls on a Durable Object stub: RPC methods and fetch. */
  durableObjectCalls: number;
  /** Of those, the calls made after the handler returned its response (waitUntil work, e.g. a limiter release). */
  durableObjectCallsAfterResponse: number;
  /** queue.send and queue.sendBatch calls, and the messages they carried. */
  queueSends: number;
  queueMessages: number;
  /** Batches delivered to this worker's queue handler, their messages, and the log events in those (a message carries `events`, or is one event). */
  queueBatchesConsumed: number;
  queueMessagesConsumed: number;
  queueEventsConsumed: number;
  /** fetch() on a service binding. */
  serviceCalls: number;
  /** Global fetch() calls: to the upstream provider, in the router. */
  fetches: number;
}
