// Defaults and ranges of CreateDeliveryStream that the simulator enforces.
// https://docs.aws.amazon.com/firehose/latest/APIReference/API_ProcessorParameter.html
// https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html
// https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html
// https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html
export const FIREHOSE_LIMITS = {
  processorBufferSizeMB: { min: 0.2, max: 3, default: 1 },
  processorBufferIntervalSeconds: { min: 0, max: 900, default: 60 },
  numberOfRetries: { min: 0, max: 300, default: 3 },
  s3BufferSizeMB: { min: 1, max: 128, default: 5 },
  s3BufferIntervalSeconds: { min: 0, max: 900, default: 300 },
  /** Dynamic partitioning and record format conversion both need an S3 buffer of at least 64 MiB. */
  minBufferSizeMBWithPartitioningOrConversion: 64,
} as const;

/** A setting within its documented range (and whole, for the settings AWS types as Integer). */
export const checkSetting = (
  name: string,
  value: number,
  { min, max }: { min: number; max: number },
  { integer }: { integer: boolean },
): number => {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  if (integer && !Number.isInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
  return value;
};
