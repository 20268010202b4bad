/**
 * When an event source mapping's batching window next needs a poll
 * (MaximumBatchingWindowInSeconds): with no batch open, the moment the poller sees a record, since
 * that opens the window; with one open, when the window closes. (Answering "now + window" for an
 * unopened batch would move forward with the clock and never come due.)
 */
export const batchingWindowDueAt = (
  openedAt: number | undefined,
  firstSeenAt: number,
  windowMs: number,
): number => (openedAt === undefined ? firstSeenAt : openedAt + windowMs);
