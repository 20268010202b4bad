import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PostgresWarehouse } from '@pipeline/shared/warehouse';
import { defaultPgliteTemplateDir, pgliteSqlClient } from '../src/engines/pglite-warehouse';

/**
 * A fresh cluster as PGlite's own data-directory dump (`dumpDataDir`, an uncompressed tar), made once
 * per installed PGlite version beside the local cloud's template cluster (`node_modules/.cache/`).
 */
export const freshClusterDump = (): string => `${defaultPgliteTemplateDir()}.tar`;

// Made in a short-lived child process, as the local cloud makes its template: initdb grows PGlite's
// WASM memory to about 0.9 GB, which a jest worker would keep. Written beside its place and renamed
// into it, so a test file in another worker never reads half of one.
const makeDump = async (file: string): Promise<void> => {
  const staging = `${file}.${process.pid}.partial`;
  const script = `
    const { PGlite } = require(${JSON.stringify(require.resolve('@electric-sql/pglite'))});
    PGlite.create().then(async (db) => {
      const dump = await db.dumpDataDir('none');
      require('node:fs').writeFileSync(${JSON.stringify(staging)}, Buffer.from(await dump.arrayBuffer()));
      await db.close();
    });`;
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await promisify(execFile)(process.execPath, ['-e', script]);
    await rename(staging, file);
  } finally {
    await rm(staging, { force: true });
  }
};

/**
 * An empty in-memory PGlite, as `PGlite.create()` gives, loaded from a dump of a fresh cluster
 * instead of running initdb: initdb costs each test file seconds of CPU for the same result every
 * time; loading the dump, a fraction of one.
 */
export const freshPglite = async (): Promise<PGlite> => {
  const file = freshClusterDump();
  if (!existsSync(file)) await makeDump(file);
  return PGlite.create({ loadDataDir: new Blob([await readFile(file)]) });
};

/** {@link freshPglite} behind the local cloud's warehouse adapter, as `createPgliteWarehouse()` gives it. */
export const freshPgliteWarehouse = async (): Promise<{ warehouse: PostgresWarehouse; db: PGlite }> => {
  const db = await freshPglite();
  return { warehouse: new PostgresWarehouse(pgliteSqlClient(db)), db };
};
