import {
  eventIdFor,
  eventIdFunction,
  METRIC_NAMES,
  normaliseHubMessage,
  POSITIONAL_ID_METRICS,
} from '../../src';
import { sampleMessages } from './sample-readings';

/**
 * The ids today's code gives the readings of the captured events. Re-delivered readings are only
 * recognised as duplicates (reports, warehouse MERGE, real-time windows) while their id stays the
 * same, so these must never change: not with a new metric, not with a new column.
 */
const PINNED_IDS: Record<string, string> = {
  'analytics-sink/window-1-open.json#0': '60e81e1f9fe1c5b0cfe7edc20d7f01b1',
  'analytics-sink/window-1-open.json#1': '0947133618e2a0b5761105b724585362',
  'analytics-sink/window-1-open.json#2': 'b7fae3cbd43a8fdb5ee2c46d21e9ec58',
  'analytics-sink/window-1-open.json#3': '392e3a68a5d7a3e44f70c997380d4870',
  'analytics-sink/window-2-middle.json#0': '60e81e1f9fe1c5b0cfe7edc20d7f01b1',
  'analytics-sink/window-2-middle.json#1': '8537b5416e7de1e831aefbbd68bf737c',
  'analytics-sink/window-2-middle.json#2': 'a8f8d5d0b50dab6278f61a9b4433d07a',
  'analytics-sink/window-2-middle.json#5': 'ee413b79c5035239b14df1ac6e0ba863',
  'analytics-sink/window-3-last-batch.json#0': '5b4e65fd2ca470b4b87e0a26d01b3ed7',
  'analytics-sink/window-3-last-batch.json#2': '8537b5416e7de1e831aefbbd68bf737c',
  'analytics-sink/window-3-last-batch.json#3': 'c8cad3a0f03ae483a6703c6a0f168abb',
  'analytics-sink/window-invalid-records.json#10': '4ff31f04ee31ffdb047b85f364ea0a46',
  'analytics-sink/window-invalid-records.json#11': '856f9aa668e9fe79c0e654f1022ee851',
  'analytics-sink/window-invalid-records.json#12': '1ddd9b52d6ef5cc54965d3c42b576988',
  'ingest-transform/firehose-bad-records.json#19': '92e5a426f658d34cdb93a71e847b35f5',
  'ingest-transform/firehose-bad-records.json#20': 'd2c6c1b202a0a259cb7aa776e043e0c5',
  'ingest-transform/firehose-bad-records.json#21': '14b2d08f49461810e6fb83ea7418954e',
  'ingest-transform/firehose-bad-records.json#24': 'f869b590c6d049ca36e83fb0877f37b5',
  'ingest-transform/firehose-direct-put.json#0': '2faf0ab1d925ec8234b355cb7633d64a',
  'ingest-transform/firehose-direct-put.json#1': '747ddbc9bfa1e78a4be7ed38b3569fd9',
  'ingest-transform/firehose-kinesis-source.json#0': '2faf0ab1d925ec8234b355cb7633d64a',
  'ingest-transform/firehose-kinesis-source.json#1': '599d9a394785da5baf1eea7d7ce3ff07',
  'ingest-transform/firehose-kinesis-source.json#2': '747ddbc9bfa1e78a4be7ed38b3569fd9',
  'ingest-transform/firehose-kinesis-source.json#3': 'f65616073508e766a5312ea17e6e6906',
  'ingest-transform/firehose-kinesis-source.json#5': 'e1b7eefb3bc695d6c76782ffa458b56c',
  'msk-consumer/msk-poison.json#2': '8a816c588d4b2acaef79cf720e1d9548',
  'msk-consumer/msk-poison.json#7': '141da0a3ab38c05edcb497b9762bcbf7',
  'msk-consumer/msk-signed-headers.json#0': 'ba5ce0f9e1a4e6d2473346e6d757168d',
  'msk-consumer/msk-telemetry.json#0': '2faf0ab1d925ec8234b355cb7633d64a',
  'msk-consumer/msk-telemetry.json#1': '0d0ab6a6e9eab3a6559ad35839754200',
  'msk-consumer/msk-telemetry.json#2': '599d9a394785da5baf1eea7d7ce3ff07',
  'msk-consumer/msk-telemetry.json#4': 'fa610d1bcbabba332d1afecd6ebf7176',
};

// The captured events are dated; the id does not depend on when a reading arrives.
const ANY_TIME = { maxFutureSkewMs: Number.POSITIVE_INFINITY, maxEventAgeMs: Number.POSITIVE_INFINITY };

const idsOf = (id: typeof eventIdFor) => {
  const ids: Record<string, string> = {};
  for (const [key, message] of sampleMessages()) {
    const result = normaliseHubMessage(message, 4e12, ANY_TIME);
    if (result.outcome !== 'ok') continue;
    const { record } = result;
    expect(record.event_id).toBe(eventIdFor(record.device_id, Date.parse(record.event_time), record));
    ids[key] = id(record.device_id, Date.parse(record.event_time), record);
  }
  return ids;
};

describe('event ids across schema versions', () => {
  it('keeps the ids of the sample readings in events/', () => {
    expect(idsOf(eventIdFor)).toEqual(PINNED_IDS);
  });

  it('keeps the ids of readings that do not carry a metric added to the schema', () => {
    const withCo2 = eventIdFunction([...METRIC_NAMES, 'co2_ppm']);
    expect(idsOf(withCo2)).toEqual(PINNED_IDS);
  });

  it('gives a reading with an added metric an id of its own, whatever order the metrics were declared in', () => {
    const metrics = { temperature: 21.7, humidity: 43.2, co2_ppm: 415, voc_ppb: 120 };
    const time = Date.parse('2026-11-25T07:59:58.250Z');
    const one = eventIdFunction([...METRIC_NAMES, 'voc_ppb', 'co2_ppm'])('dev-0001', time, metrics);
    const other = eventIdFunction([...METRIC_NAMES, 'co2_ppm', 'voc_ppb'])('dev-0001', time, metrics);
    expect(one).toBe(other);
    expect(one).not.toBe(eventIdFor('dev-0001', time, metrics));
    expect(one).not.toBe(
      eventIdFunction([...METRIC_NAMES, 'co2_ppm', 'voc_ppb'])('dev-0001', time, {
        ...metrics,
        voc_ppb: null,
      }),
    );
  });

  it('hashes the first metrics positionally, in their first order', () => {
    expect(POSITIONAL_ID_METRICS).toEqual(['temperature', 'humidity', 'pressure', 'battery']);
  });
});
