import { z } from 'zod';
import { METRICS, type MetricName } from './metrics';

/** Identifiers end up in S3 keys, SQL and dashboards: a conservative alphabet keeps them safe everywhere. */
export const IdentifierSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');

const NUMERIC_STRING = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A metric arrives as a number or a numeric string (some gateways stringify everything). */
const metricValue = (name: MetricName) =>
  z
    .union([z.number(), z.string().trim().regex(NUMERIC_STRING, 'not a number').transform(Number)])
    .pipe(z.number().min(METRICS[name].min).max(METRICS[name].max));

/**
 * Epoch seconds and epoch milliseconds are told apart by magnitude: 1e11 seconds is the year 5138,
 * 1e11 milliseconds is 1973, so no plausible reading is ambiguous.
 */
const EPOCH_SECONDS_LIMIT = 1e11;

/** Event time as ISO-8601 with an explicit zone, epoch milliseconds or epoch seconds; normalised to epoch ms. */
export const EventTimeSchema = z.union([
  z
    .number()
    .positive()
    .transform((value) => (value < EPOCH_SECONDS_LIMIT ? Math.round(value * 1000) : Math.round(value))),
  z.iso.datetime({ offset: true }).transform((value) => Date.parse(value)),
]);

const MetricsSchema = z
  .strictObject({
    temperature: metricValue('temperature').optional(),
    humidity: metricValue('humidity').optional(),
    pressure: metricValue('pressure').optional(),
    battery: metricValue('battery').optional(),
  })
  .refine(
    (metrics) => Object.values(metrics).some((value) => value !== undefined),
    'at least one metric is required',
  );

/**
 * A device reading as producers send it (MQTT through IoT Core, Kinesis PutRecords, Kafka).
 * Unknown top-level fields are ignored (gateways add their own); unknown metrics are rejected so a
 * new sensor is noticed, not silently lost.
 */
export const RawReadingSchema = z.object({
  deviceId: IdentifierSchema,
  timestamp: EventTimeSchema,
  type: z.literal('reading').optional(),
  site: IdentifierSchema.optional(),
  firmware: IdentifierSchema.optional(),
  location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  metrics: MetricsSchema,
});

/** A raw reading as a producer would type it (the input side of the schema). */
export type RawReading = z.input<typeof RawReadingSchema>;
/** A raw reading after parsing: event time in epoch ms, metrics as numbers. */
export type ParsedReading = z.output<typeof RawReadingSchema>;

/** Heartbeats carry no metrics; they prove liveness and are deliberately not stored in the lake. */
export const HeartbeatSchema = z.object({ deviceId: IdentifierSchema, type: z.literal('heartbeat') });
