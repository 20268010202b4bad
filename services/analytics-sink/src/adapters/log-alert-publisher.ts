import type { Logger } from '@aws-lambda-powertools/logger';
import type { ThresholdAlert } from '../domain/alerts';
import type { AlertPublisher } from '../domain/flush-segment';

/** Alerts as warning log lines: for stage `local` (`sls invoke local`, the local cloud), which has no SNS. */
export class LogAlertPublisher implements AlertPublisher {
  constructor(private readonly logger: Logger) {}

  async publish(alert: ThresholdAlert): Promise<void> {
    this.logger.warn('threshold alert', { alert });
  }
}
