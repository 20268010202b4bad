import type { LoadResult } from '@pipeline/shared/warehouse';
import type { PartitionKeys } from '@pipeline/shared';

export type RunTrigger = 'object-created' | 'rerun';

/** The record of one report run for one partition, written next to its output. */
export interface RunManifest {
  version: 1;
  report: string;
  partition: PartitionKeys;
  trigger: RunTrigger;
  /** Objects whose arrival caused the run (`s3://bucket/key`), sorted and unique. */
  sources: string[];
  query: { engine: string; id: string; bytesScanned: number; engineMillis: number };
  output: { key: string; rows: number; bytes: number; sha256: string };
  warehouse: LoadResult | null;
  timings: {
    startedAt: string;
    finishedAt: string;
    queryMillis: number;
    writeMillis: number;
    loadMillis: number;
  };
}

/** Sorted, de-duplicated sources: the same set of objects gives the same manifest field. */
export const normaliseSources = (sources: Iterable<string>): string[] => [...new Set(sources)].sort();

/**
 * A Redshift COPY manifest for the data object: `mandatory` makes COPY fail rather than load
 * nothing if the object is missing, and the manifest pins exactly which object is loaded.
 * https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html
 */
export const copyManifest = (dataUri: string, bytes: number): string =>
  `${JSON.stringify({ entries: [{ url: dataUri, mandatory: true, meta: { content_length: bytes } }] }, null, 2)}\n`;

export const serialiseManifest = (manifest: RunManifest): string => `${JSON.stringify(manifest, null, 2)}\n`;
