import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FirehoseTransformEvent } from '../src/handlers/transform-handler';

export type EventName = 'firehose-kinesis-source' | 'firehose-direct-put' | 'firehose-bad-records';

/** A captured Firehose event from events/ (shared with `sls invoke local`), cloned for mutation. */
export const loadEvent = (name: EventName): FirehoseTransformEvent =>
  structuredClone(JSON.parse(readFileSync(join(__dirname, '..', 'events', `${name}.json`), 'utf8')));

export const decodeData = (data: string): unknown => JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
