import { summaryText } from '../../src/cli/render';
import type { RunResult } from '../../src/cloud/run';
import { localLayout } from '../../src/cloud/layout';

const result = (): RunResult => {
  const layout = localLayout('/tmp/books-render');
  return {
    layout,
    summary: {
      startMs: Date.UTC(2026, 10, 25, 8),
      endMs: Date.UTC(2026, 10, 25, 12),
      produced: 9817,
      sources: {
        devices: {
          produced: 7474,
          delivered: 7236,
          dropped: { heartbeat: 87 },
          failed: { event_time_in_future: 25, invalid_utf8: 18, invalid_metrics: 108 },
        },
        kafka: { produced: 2343, delivered: 2271, dropped: { no_value: 32 }, failed: { invalid_json: 40 } },
      },
      forwardedFromKafka: 2271,
      deliveredToLake: 9507,
      lake: { objects: 68, errorObjects: 4, partitions: ['2026-11-25/08', '2026-11-25/09'] },
      duplicatesRemoved: 83,
      realtimeDuplicatesSkipped: 83,
      reportRuns: 408,
      reportRunsFailed: 0,
      warehouseRows: { realtime_alert: 165, report_anomalies: 115 },
      realtimeWindowRows: 8874,
      alerts: 165,
      queues: { runs: 0, deadLetter: 0, sinkFailures: 0, mskFailures: 0 },
      registry: { devices: 38, unregisteredDevices: 2, records: { registered: 9001, unregistered: 506 } },
    },
    problems: [],
    interrupted: false,
    fleet: {
      messages: 9817,
      readings: 0,
      duplicates: 0,
      resent: 0,
      late: 0,
      heartbeats: 0,
      bad: 0,
      expected: {
        hub: { delivered: 0, dropped: {}, failed: {} },
        kafka: { delivered: 0, dropped: {}, failed: {} },
      },
      produced: { hub: 7474, kafka: 2343 },
    },
    wallMs: 22_400,
    afterRunLines: [],
    peakRssBytes: 430 * 1024 * 1024,
  };
};

describe('summaryText', () => {
  it('renders the books of npm start unchanged: the table per source, then the reasons and the other hops', () => {
    const lines = summaryText(result()).split('\n').slice(0, 21);
    expect(lines).toEqual([
      '',
      'Local cloud run: 2026-11-25 08:00 -> 2026-11-25 12:00 UTC (4h00m of event time) in 22.4 s - 438 messages/s, peak RSS 430 MiB',
      '',
      '                          devices   kafka   total',
      '  produced                  7,474   2,343   9,817',
      '  forwarded from Kafka          -   2,271   2,271',
      '  delivered to the lake     7,236   2,271   9,507',
      '  dropped                      87      32     119',
      '  failed                      151      40     191',
      '  balanced                    yes     yes',
      '',
      '  dropped, devices:    heartbeat 87',
      '  dropped, kafka:      no_value 32',
      '  failed, devices:     invalid_metrics 108, event_time_in_future 25, invalid_utf8 18',
      '  failed, kafka:       invalid_json 40',
      '  duplicates removed:  83 extra copies in the lake (reports count each event_id once); 83 skipped by the real-time windows',
      '  report runs:         408 (2 hour partitions, 68 lake objects)',
      '  warehouse rows:      realtime_alert 165, report_anomalies 115',
      '  real-time windows:   8,874 device-window rows written',
      '  alerts:              165 (table realtime_alert; --log-level warn prints them)',
      '  device registry:     38 devices registered, 2 unregistered; lake rows 9,001 registered, 506 unregistered',
    ]);
  });
});
