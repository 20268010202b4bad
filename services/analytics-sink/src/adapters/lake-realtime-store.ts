import { gzipSync } from 'node:zlib';
import type { WarehouseRow } from '@pipeline/shared/warehouse';
import type { RealtimeStore } from '../domain/flush-segment';
import type { ThresholdAlert } from '../domain/alerts';
import { alertKey, jsonLines, windowPartKey } from '../domain/realtime-lake';
import { ALERT_TABLE, warehouseTimestamp, WINDOW_PART_TABLE } from '../domain/realtime-tables';

/** The bucket operations the lake store needs: S3 in AWS, a folder in tests and locally. */
export interface RealtimeObjects {
  /** Writes (or overwrites) one object. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Whether the object exists. */
  exists(key: string): Promise<boolean>;
}

// Athena's text readers decompress by the `.gz` extension, and so does DuckDB's read_json.
// https://docs.aws.amazon.com/athena/latest/ug/compression-formats.html
const GZIP_CONTENT_TYPE = 'application/gzip';
const gzipLines = (text: string): Uint8Array => gzipSync(Buffer.from(text, 'utf8'));

// Alert records are checked and written a few at a time: an alert storm stays within S3's
// request rates for one prefix and the function's sockets.
const ALERT_CONCURRENCY = 10;

const inSlices = async <T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += ALERT_CONCURRENCY)
    results.push(...(await Promise.all(items.slice(start, start + ALERT_CONCURRENCY).map(work))));
  return results;
};

/**
 * The real-time tables as gzip JSON Lines objects (`warehouse=none`). A segment's rows are one
 * object whose key depends only on the window and the segment, so a retry rewrites it (S3 PUT
 * replaces the whole object: no partial segment is ever visible). Each sent alert is one object
 * keyed by its id; its existence is the "already sent" record.
 */
export class LakeRealtimeStore implements RealtimeStore {
  constructor(private readonly objects: RealtimeObjects) {}

  async writeWindowRows(rows: readonly WarehouseRow[]): Promise<void> {
    const segments = new Map<string, WarehouseRow[]>();
    for (const row of rows) {
      const key = windowPartKey(String(row.window_start), String(row.segment_id));
      segments.set(key, [...(segments.get(key) ?? []), row]);
    }
    for (const [key, segmentRows] of segments)
      await this.objects.put(key, gzipLines(jsonLines(WINDOW_PART_TABLE, segmentRows)), GZIP_CONTENT_TYPE);
  }

  async sentAlertIds(alerts: readonly ThresholdAlert[]): Promise<Set<string>> {
    const sent = await inSlices(alerts, async (alert) =>
      (await this.objects.exists(alertKey(warehouseTimestamp(Date.parse(alert.window.start)), alert.alertId)))
        ? alert.alertId
        : undefined,
    );
    return new Set(sent.filter((id): id is string => id !== undefined));
  }

  async recordAlerts(rows: readonly WarehouseRow[]): Promise<void> {
    await inSlices(rows, (row) =>
      this.objects.put(
        alertKey(String(row.window_start), String(row.alert_id)),
        gzipLines(jsonLines(ALERT_TABLE, [row])),
        GZIP_CONTENT_TYPE,
      ),
    );
  }
}
