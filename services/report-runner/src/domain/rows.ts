import { createHash } from 'node:crypto';
import type { WarehouseRow } from '@pipeline/shared/warehouse';

/** Newline-delimited JSON, keys in `columns` order: byte-identical for identical rows. */
export const toNdjson = (columns: readonly string[], rows: readonly WarehouseRow[]): string =>
  rows
    .map(
      (row) =>
        `${JSON.stringify(Object.fromEntries(columns.map((column) => [column, row[column] ?? null])))}\n`,
    )
    .join('');

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
