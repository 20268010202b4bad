import { ManualClock } from '../aws/clock';
import { S3ServiceError, type ObjectStore } from '../aws/s3/ObjectStore';
import { localLayout, LOCAL_RESOURCES } from '../cloud/layout';
import { LocalCloud, type LakeFormat } from '../cloud/LocalCloud';
import { LOCAL_S3_BUFFER_INTERVAL_SECONDS } from '../cloud/run';
import { lockFolder, readState, writeState } from '../cloud/state';
import type { OpsHub, OpsObjectStore, OpsRunQueue } from './ports';

const HOUR_MS = 3_600_000;

export const folderStore = (store: ObjectStore, bucket: string): OpsObjectStore => ({
  keys: (prefix) => store.keys(bucket, prefix),
  get: async (key) => (await store.getObject({ Bucket: bucket, Key: key })).Body,
  exists: async (key) => {
    try {
      await store.headObject({ Bucket: bucket, Key: key });
      return true;
    } catch (error) {
      if (error instanceof S3ServiceError && error.name === 'NotFound') return false;
      throw error;
    }
  },
  putIfAbsent: async (key, body) => {
    try {
      await store.putObject({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' });
      return true;
    } catch (error) {
      if (error instanceof S3ServiceError && error.name === 'PreconditionFailed') return false;
      throw error;
    }
  },
});

export interface LocalOps {
  cloud: LocalCloud;
  store: OpsObjectStore;
  hub: OpsHub;
  runQueue: OpsRunQueue;
}

/** Runs every simulator until nothing is due within the drain limit, Firehose's buffers flushed. */
export const drain = async (cloud: LocalCloud): Promise<void> => {
  const limit = cloud.clock.now() + 6 * HOUR_MS;
  const runUntilIdle = async () => {
    let idle = (await cloud.pollAll()) === 0;
    for (;;) {
      const next = cloud.nextDueAt();
      if (next === undefined || next > limit || (next <= cloud.clock.now() && idle)) {
        // Nothing else due: the report runs still in flight end now, and what they leave may be due.
        if (!(await cloud.settle())) return;
        idle = (await cloud.pollAll()) === 0;
        continue;
      }
      cloud.clock.advanceTo(Math.max(next, cloud.clock.now()));
      idle = (await cloud.pollAll()) === 0;
    }
  };
  await runUntilIdle();
  await cloud.firehose.flush();
  await runUntilIdle();
};

/**
 * An operation against a local cloud folder: the pipeline is started where the folder's last run
 * stopped (simulated time), `work` feeds it, everything in flight is drained, and the folder's
 * state moves on so the next `npm start` continues after it.
 */
export const withLocalCloud = async <T>(root: string, work: (ops: LocalOps) => Promise<T>): Promise<T> => {
  const layout = localLayout(root);
  const unlock = await lockFolder(layout);
  try {
    const state = await readState(layout);
    if (!state) throw new Error(`${root} holds no local cloud (no local-cloud.json): run npm start first`);
    const clock = new ManualClock(state.nextStartMs);
    const cloud = await LocalCloud.create({
      layout,
      clock,
      format: (state.runs.at(-1)?.format ?? 'parquet') as LakeFormat,
      seed: 'ops',
      params: {
        'ingest-transform': { s3BufferIntervalSeconds: String(LOCAL_S3_BUFFER_INTERVAL_SECONDS) },
      },
    });
    try {
      const result = await work({
        cloud,
        store: folderStore(cloud.store, LOCAL_RESOURCES.ingestBucket),
        hub: {
          putRecords: (entries) =>
            cloud.hub.putRecords({ StreamName: LOCAL_RESOURCES.hubStream, Records: entries }),
          sleep: async (ms) => {
            cloud.clock.advance(ms);
            await cloud.pollAll();
          },
        },
        runQueue: {
          send: async (bodies) => {
            for (const body of bodies) await cloud.runQueue.sendMessage({ MessageBody: body });
          },
        },
      });
      await drain(cloud);
      await writeState(layout, { ...state, nextStartMs: Math.ceil(clock.now() / 1000) * 1000 });
      return result;
    } finally {
      await cloud.close();
    }
  } finally {
    await unlock();
  }
};
