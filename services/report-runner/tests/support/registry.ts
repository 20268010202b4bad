import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_REGISTRY_KEY,
  DeviceRegistryEntrySchema,
  serialiseRegistry,
  type DeviceRegistryEntry,
} from '@pipeline/shared/registry';

const entry = (fields: Record<string, unknown>): DeviceRegistryEntry =>
  DeviceRegistryEntrySchema.parse(fields);

/**
 * A registry for the devices of `generateTelemetry` (dev-000 .. dev-023): dev-000 .. dev-017 are
 * registered with owners and models (some left empty), dev-018 .. dev-023 report without being
 * registered, and four registered devices never report: two installed long ago, one without an
 * install date, one installed on 2026-03-02 (expected from that day only). dev-005 reports before
 * its install date.
 */
export const generateRegistry = (): DeviceRegistryEntry[] => [
  ...Array.from({ length: 18 }, (_, index) =>
    entry({
      device_id: `dev-${String(index).padStart(3, '0')}`,
      site: ['plant-a', 'plant-b', 'warehouse-c'][index % 3],
      model: index % 5 === 4 ? null : ['TH-200', 'TH-300'][index % 2],
      owner: ['facilities', 'process-eng', null][index % 3],
      location: index === 1 ? 'Hall 2, "north" bay' : `Hall ${index % 4}`,
      install_date: index === 5 ? '2026-03-02' : '2025-11-03',
      ...(index === 2 ? { temperature_max: 30, battery_min: 20 } : {}),
    }),
  ),
  entry({
    device_id: 'dev-900',
    site: 'plant-a',
    model: 'TH-200',
    owner: 'facilities',
    install_date: '2025-06-30',
  }),
  entry({ device_id: 'dev-901', site: 'plant-b' }),
  entry({
    device_id: 'dev-902',
    site: 'plant-b',
    model: 'TH-400',
    owner: 'process-eng',
    install_date: '2026-03-02',
  }),
  entry({
    device_id: 'dev-903',
    site: 'warehouse-c',
    model: 'TH-400',
    owner: 'logistics',
    install_date: '2026-01-15',
  }),
];

/** Stores the registry as the upload command does: JSON Lines at the default key, `reference/devices/registry.jsonl`. */
export const writeRegistry = async (
  lakeDir: string,
  entries: readonly DeviceRegistryEntry[],
): Promise<void> => {
  const file = path.join(lakeDir, ...DEFAULT_REGISTRY_KEY.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, serialiseRegistry(entries));
};
