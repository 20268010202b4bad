import { DEFAULT_EVENT_TIME_POLICY } from '@pipeline/shared';
import { planBatch, type KafkaRecord } from '../../src/domain/plan-batch';
import { mskEvent, NOW } from './events';

const settings = {
  maxValueBytes: 1024 * 1024,
  maxHubRecordBytes: 1024 * 1024,
  eventTime: DEFAULT_EVENT_TIME_POLICY,
};

/** The consumer's plan (forward, quarantine, ...) of one of the sample events, at `NOW`. */
export const planOf = (name: 'msk-telemetry' | 'msk-poison') =>
  planBatch(Object.values(mskEvent(name).records).flat() as KafkaRecord[], settings, NOW);
