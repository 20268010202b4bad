import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** `dt=.../hour=...` partitions that hold lake objects in the local cloud at `root`. */
export const lakePartitions = async (root: string): Promise<string[]> => {
  const raw = path.join(root, 'local-ingest', 'raw');
  const partitions: string[] = [];
  for (const dt of await readdir(raw)) {
    for (const hour of await readdir(path.join(raw, dt))) partitions.push(`${dt.slice(3)}/${hour.slice(5)}`);
  }
  return partitions.sort();
};

/** Rows of every output of `report` in the local cloud's reports folder, by partition. */
export const reportRows = async (root: string, report: string): Promise<Map<string, number>> => {
  const base = path.join(root, 'local-reports', 'reports', report);
  const rows = new Map<string, number>();
  for (const dt of await readdir(base)) {
    for (const hour of await readdir(path.join(base, dt))) {
      const text = await readFile(path.join(base, dt, hour, 'part-00000.json'), 'utf8');
      rows.set(
        `${dt.slice(3)}/${hour.slice(5)}`,
        text.split('\n').filter((line) => line.trim() !== '').length,
      );
    }
  }
  return rows;
};
