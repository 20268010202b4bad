import type { DeviceRegistryEntry } from '@pipeline/shared/registry';
import { Random } from './random';

/** The share of the fleet left out of the registry, so enrichment has unknown devices to flag. */
export const UNREGISTERED_SHARE = 0.05;
/** The share of registered devices with their own alert thresholds. */
const THRESHOLD_SHARE = 0.1;

const MODELS = ['TH-100', 'TH-200', 'THP-300', 'THP-310', 'ENV-9'];
const OWNERS = ['facilities', 'quality', 'logistics', 'research', 'energy'];
const PLACES = ['Hall', 'Cold room', 'Dock', 'Roof', 'Server room', 'Yard', 'Office'];
const DAY_MS = 86_400_000;
const FIRST_INSTALL = Date.UTC(2021, 0, 1);
const LAST_INSTALL = Date.UTC(2025, 11, 31);

export interface FleetRegistry {
  /** Registry entries, one per registered device, in device order. */
  entries: DeviceRegistryEntry[];
  /** Devices of the fleet that are deliberately not registered. */
  unregistered: string[];
}

/**
 * A device registry for a simulated fleet: most devices registered with a model, owner, location
 * label and install date (their site as the fleet places them) and a few with their own alert
 * thresholds; about 5% (at least one device in fleets of 2 or more) left out. It draws from its own
 * seeded stream, so the same seed gives the same registry and the fleet's messages do not change.
 */
export const fleetRegistry = (
  devices: readonly { id: string; site: { name: string } }[],
  seed: string,
): FleetRegistry => {
  const random = new Random(`registry:${seed}`);
  const leaveOut = devices.length < 2 ? 0 : Math.max(1, Math.round(devices.length * UNREGISTERED_SHARE));
  const order = devices.map((device) => ({ device, key: random.next() })).sort((a, b) => a.key - b.key);
  const unregistered = new Set(order.slice(0, leaveOut).map(({ device }) => device.id));

  const entries = devices
    .filter(({ id }) => !unregistered.has(id))
    .map(({ id, site }): DeviceRegistryEntry => {
      const installMs =
        FIRST_INSTALL + Math.floor(random.between(0, (LAST_INSTALL - FIRST_INSTALL) / DAY_MS)) * DAY_MS;
      const ownThresholds = random.chance(THRESHOLD_SHARE);
      return {
        device_id: id,
        site: site.name,
        model: random.pick(MODELS),
        owner: random.pick(OWNERS),
        location: `${random.pick(PLACES)} ${random.integer(1, 12)}`,
        install_date: new Date(installMs).toISOString().slice(0, 10),
        temperature_min: ownThresholds ? 2 : null,
        temperature_max: ownThresholds ? Math.round(random.between(24, 32)) : null,
        humidity_min: null,
        humidity_max: ownThresholds ? 85 : null,
        pressure_min: null,
        pressure_max: null,
        battery_min: ownThresholds ? 25 : null,
        battery_max: null,
      };
    });
  return { entries, unregistered: devices.filter(({ id }) => unregistered.has(id)).map(({ id }) => id) };
};
