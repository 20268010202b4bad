import { KinesisStream, StreamReader } from '../../src/aws/kinesis/KinesisStream';
import { HubGateway } from '../../src/cloud/HubGateway';
import { clockAt } from '../aws/support';

describe('HubGateway', () => {
  it('sends what a throttled shard refused again after a backoff, until every record is in', async () => {
    const clock = clockAt();
    const hub = new KinesisStream({ name: 'hub', shardCount: 1, clock });
    const reader = new StreamReader(hub, 'check');
    const gateway = new HubGateway(hub);
    const entries = Array.from({ length: 1500 }, (_, index) => ({
      Data: Buffer.from(JSON.stringify({ n: index })),
      PartitionKey: `dev-${index % 10}`,
    }));

    await gateway.put(entries, clock.now());
    expect(gateway.pending).toBe(500);
    expect(gateway.stats.requests).toBe(3);
    for (let due = gateway.nextDueAt(); due !== undefined; due = gateway.nextDueAt()) {
      clock.advanceTo(due);
      await gateway.retryDue(clock.now());
    }

    const stored = reader.peek('shardId-000000000000', 10_000);
    expect(stored).toHaveLength(1500);
    expect(gateway.stats.retriedEntries).toBeGreaterThanOrEqual(500);
    expect(new Set(stored.map(({ data }) => JSON.parse(Buffer.from(data).toString()).n)).size).toBe(1500);
  });
});
