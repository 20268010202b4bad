import type { CanonicalRecord } from '../telemetry/canonical-record';
import type { DeviceRegistry } from './schema';

/**
 * Enriches a canonical record in place with its device's registry entry and says whether the
 * device is registered. A registered device gets the registry's model, owner, location label and
 * install date, and the registry's site, which wins over the one the device sends (devices move,
 * firmware ships with defaults). Anything else — an unknown device, or no registry at all — is
 * flagged `registered = false` with the enrichment columns cleared, whatever the message carried
 * (anyone who can write to the hub could have set them).
 *
 * One Map lookup and a few property writes: it runs for every record of every Firehose batch, so
 * it writes into the record it is given (fresh from `normaliseHubMessage`) instead of copying it.
 */
export const enrichRecord = (record: CanonicalRecord, registry: DeviceRegistry | undefined): boolean => {
  const entry = registry?.get(record.device_id);
  if (entry === undefined) {
    record.registered = false;
    record.model = null;
    record.owner = null;
    record.location_label = null;
    record.install_date = null;
    return false;
  }
  record.registered = true;
  record.site = entry.site;
  record.model = entry.model;
  record.owner = entry.owner;
  record.location_label = entry.location;
  record.install_date = entry.install_date;
  return true;
};
