import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  parseRegistry,
  registryFormatFor,
  serialiseRegistry,
  type DeviceRegistry,
  type DeviceRegistryEntry,
} from '@pipeline/shared/registry';
import { localObjectFile } from '../cloud/cloud-dir';

/**
 * Reads and validates a registry file (CSV when it ends in `.csv`, JSON Lines otherwise).
 *
 * @throws RegistryFormatError naming the bad lines, the same check the transform applies.
 */
export const readRegistryFile = async (file: string): Promise<DeviceRegistry> =>
  parseRegistry(await readFile(file, 'utf8'), registryFormatFor(file));

/**
 * Writes a registry, in its stored form (JSON Lines), to a bucket folder of the local cloud:
 * `<root>/<bucket>/<key>`, where `npm start` and `sls invoke local --stage local` read it. The file
 * is replaced in one rename, so a transform never reads half a registry.
 */
export const writeLocalRegistry = async (
  root: string,
  bucket: string,
  key: string,
  entries: Iterable<DeviceRegistryEntry>,
): Promise<string> => {
  const file = localObjectFile(root, bucket, key);
  await mkdir(path.dirname(file), { recursive: true });
  const staging = `${file}.${process.pid}.tmp`;
  await writeFile(staging, serialiseRegistry(entries));
  await rename(staging, file);
  return file;
};
