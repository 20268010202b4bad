import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC } from '@pipeline/shared';
import {
  collectStageCounts,
  previousHour,
  reconcileStage,
  unsettledProblem,
  type BooksRange,
  type BooksTolerance,
  type StageResources,
  type StageSources,
} from '@pipeline/shared/books';
import type { ScheduledEvent } from 'aws-lambda';

export interface BooksHandlerDependencies {
  sources: StageSources;
  resources: StageResources;
  tolerance: BooksTolerance;
  logger: Logger;
  metrics: Metrics;
}

export interface BooksRun {
  range: { from: string; to: string };
  drift: number;
  problems: string[];
}

/** A range the schedule would never give: the books function would report on unsettled counts. */
export class UnsettledRangeError extends Error {
  override name = 'UnsettledRangeError';
}

const iso = (range: BooksRange) => ({
  from: new Date(range.fromMs).toISOString(),
  to: new Date(range.toMs).toISOString(),
});

/**
 * The hourly books: reconciles the hour before the scheduled time (the event's `time`, so a retried
 * invocation still reconciles the hour it was scheduled for) and publishes `BooksDrift`, the records
 * no hop accounts for; the alarm on it fires above zero. A failure to read the books throws: the
 * asynchronous invocation is retried, then lands in the DLQ, whose alarm fires.
 */
export const createBooksHandler =
  ({ sources, resources, tolerance, logger, metrics }: BooksHandlerDependencies) =>
  async (event: Pick<ScheduledEvent, 'time'>): Promise<BooksRun> => {
    const scheduledAt = Date.parse(event.time);
    const range = previousHour(scheduledAt);
    const unsettled = unsettledProblem(range, scheduledAt);
    if (unsettled) throw new UnsettledRangeError(unsettled);
    const books = reconcileStage(await collectStageCounts(sources, resources, range), range, tolerance);
    metrics.addMetric(METRIC.BooksDrift, MetricUnit.Count, books.drift);
    const run = { range: iso(range), drift: books.drift, problems: books.problems };
    if (books.problems.length > 0)
      logger.error('the books do not balance', { ...run, hops: books.hops, sources: books.sources });
    else logger.info('the books balance', { ...run, hops: books.hops });
    return run;
  };
