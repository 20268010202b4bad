import { DEFAULT_EVENT_TIME_POLICY } from '@pipeline/shared';
import { parseAlertRules } from '../src/domain/alert-rules';
import type { SinkSettings } from '../src/domain/process-window';

/** The deployed defaults (serverless.ts params), overridable per test. */
export const sinkSettings = (overrides: Partial<SinkSettings> = {}): SinkSettings => ({
  maxRecordBytes: 65_536,
  eventTime: DEFAULT_EVENT_TIME_POLICY,
  rules: parseAlertRules('temperature>80,battery<15'),
  maxStateBytes: 800_000,
  dedupCapacity: 40_000,
  ...overrides,
});
