import { ifThen } from '@pipeline/shared/serverless';

/** `parquet` where the stage's lakeFormat is Parquet (condition IsParquet), else `json` (gzip JSON Lines). */
export const ifParquet = (parquet: unknown, json: unknown) => ifThen('IsParquet', parquet, json);

// Athena/Firehose read event and ingest time as ISO-8601 UTC with milliseconds (Joda pattern; ZZ parses "Z").
export const TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSZZ";
