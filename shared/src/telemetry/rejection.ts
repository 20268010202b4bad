/**
 * Why a record was not stored. A closed set, so every outcome can be counted as a metric dimension
 * and asserted in tests; the free-text detail goes to the log next to it.
 */
export const REJECTION_REASONS = [
  'invalid_base64',
  'empty_record',
  'oversized_record',
  'invalid_utf8',
  'invalid_json',
  'not_an_object',
  'invalid_device_id',
  'invalid_event_time',
  'invalid_metrics',
  'schema_violation',
  'event_time_in_future',
  'event_time_too_old',
  'response_size_limit',
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  reason: RejectionReason;
  detail: string;
}

/** Records that are valid but deliberately not stored. */
export const DROP_REASONS = ['heartbeat'] as const;

export type DropReason = (typeof DROP_REASONS)[number];
