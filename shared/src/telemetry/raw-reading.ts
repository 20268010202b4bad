import { z } from 'zod';
import { METRIC_NAMES, type MetricName } from './metrics';

/** Identifiers end up in S3 keys, SQL and dashboards: a conservative alphabet keeps them safe everywhere. */
export const IdentifierSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');

const NUMERIC_STRING = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** ISO-8601 with an explicit zone; `Date.parse` then decides whether the date itself exists. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Epoch seconds and epoch milliseconds are told apart by magnitude: 1e11 seconds is the year 5138,
 * 1e11 milliseconds is 1973, so no plausible reading is ambiguous.
 */
const EPOCH_SECONDS_LIMIT = 1e11;

/** The largest instant a JavaScript Date can hold (±100,000,000 days around 1970). */
const MAX_DATE_MS = 8.64e15;

/**
 * Event time as ISO-8601 with an explicit zone, epoch milliseconds or epoch seconds, in epoch ms;
 * undefined when the value is none of these or not a representable instant.
 */
export const toEpochMs = (value: number | string): number | undefined => {
  const epochMs =
    typeof value === 'number'
      ? Math.round(value < EPOCH_SECONDS_LIMIT ? value * 1000 : value)
      : ISO_WITH_ZONE.test(value)
        ? Date.parse(value)
        : Number.NaN;
  return epochMs > 0 && epochMs <= MAX_DATE_MS ? epochMs : undefined;
};

/**
 * A metric value as a number, or NaN when it is not one. Metrics arrive as numbers or numeric
 * strings (some gateways stringify everything).
 */
export const toMetricValue = (value: number | string): number =>
  typeof value === 'number' ? value : NUMERIC_STRING.test(value.trim()) ? Number(value) : Number.NaN;

const NumberOrString = z.union([z.number(), z.string()]);

/**
 * A device reading as producers send it (MQTT through IoT Core, Kinesis PutRecords, Kafka): the
 * wire format. Unknown top-level fields are ignored (gateways add their own); unknown metrics are
 * rejected so a new sensor is noticed, not silently lost. The event time (`toEpochMs`) and metric
 * values (`toMetricValue`, ranges in `METRICS`) are interpreted by `normaliseReading`.
 *
 * The schema sticks to plain zod types on purpose: zod compiles those into a fast checker, while
 * transforms and pipes on nested fields made parsing several times slower, and this runs once per
 * record.
 */
export const RawReadingSchema = z.object({
  deviceId: IdentifierSchema,
  timestamp: NumberOrString,
  type: z.literal('reading').optional(),
  site: IdentifierSchema.optional(),
  firmware: IdentifierSchema.optional(),
  location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  metrics: z.strictObject(
    Object.fromEntries(METRIC_NAMES.map((name) => [name, NumberOrString.optional()])) as {
      [K in MetricName]: z.ZodOptional<typeof NumberOrString>;
    },
  ),
});

/** A raw reading as a producer sends it. */
export type RawReading = z.infer<typeof RawReadingSchema>;

/** Heartbeats carry no metrics; they prove liveness and are deliberately not stored in the lake. */
export const HeartbeatSchema = z.object({ deviceId: IdentifierSchema, type: z.literal('heartbeat') });
