import type { WarehouseRow, WarehouseValue } from '@pipeline/shared/warehouse';
import type { ChartModel, DashboardModel } from '../model';
import type { DashboardSource } from '../source';
import { DASHBOARD_SOURCES } from '../sources';

/** How much the panels chart: {@link DashboardModel.settings}, every default applied. */
export type PanelSettings = DashboardModel['settings'];

/** A panel that could not be read: shown as such, collected in `problems`. */
export class PanelError extends Error {}

/** What every panel reads through: the source, the settings and which relations exist. */
export interface PanelContext {
  source: DashboardSource;
  settings: PanelSettings;
  /** The relations of {@link DASHBOARD_SOURCES} that exist in the store. */
  found: ReadonlySet<string>;
  /** The empty-state message of a panel when any of `relations` does not exist, else undefined. */
  missing(...relations: string[]): string | undefined;
  /** Runs a panel's reads; a failure becomes a {@link PanelError} (its empty state) and a problem. */
  attempt<T>(panel: string, read: () => Promise<T>): Promise<T | PanelError>;
  /** The problems of the panels read so far, in the order they were read. */
  problems: string[];
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Looks up which relations the store has (one read, not attempted: without it no panel can say
 * what it misses) and returns the context every panel reads through.
 *
 * @param storeName - the store as a missing relation's message names it (`this warehouse`)
 */
export const createPanelContext = async (
  source: DashboardSource,
  settings: PanelSettings,
  storeName: string,
): Promise<PanelContext> => {
  const names = Object.values(DASHBOARD_SOURCES).map(({ relation }) => relation);
  const found = await source.relations(names);
  const problems: string[] = [];
  return {
    source,
    settings,
    found,
    problems,
    missing: (...relations) => {
      const absent = relations.filter((name) => !found.has(name));
      return absent.length > 0
        ? `No data yet: ${absent.join(' and ')} not found in ${storeName} (not created yet, or not readable).`
        : undefined;
    },
    attempt: async (panel, read) => {
      try {
        return await read();
      } catch (error) {
        problems.push(`${panel}: ${describe(error)}`);
        return new PanelError(`Could not be read: ${describe(error)}`);
      }
    },
  };
};

/** A read's result, or undefined when it failed or was not made. */
export const succeeded = <T>(result: T | PanelError | undefined): T | undefined =>
  result instanceof PanelError ? undefined : result;

export const HOUR_MS = 3_600_000;

/** Warehouse timestamp (`YYYY-MM-DD HH:MM:SS.sss`, UTC) of an epoch time. */
export const warehouseTimestamp = (epochMs: number): string =>
  new Date(epochMs).toISOString().replace('T', ' ').slice(0, 23);
export const parseTimestamp = (value: WarehouseValue): number =>
  Date.parse(`${String(value).replace(' ', 'T')}Z`);
/** `YYYY-MM-DD HH` of an epoch time, and back. */
export const hourKey = (epochMs: number): string =>
  new Date(epochMs).toISOString().slice(0, 13).replace('T', ' ');
export const hourStart = (key: string): number => Date.parse(`${key.replace(' ', 'T')}:00:00Z`);
export const rowHour = (row: WarehouseRow): string => `${String(row.dt)} ${String(row.hour)}`;

export const capitalise = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** An hourly chart with no data yet: x in hours, a line unless `kind` says otherwise. */
export const hourlyChart = (
  chart: Omit<ChartModel, 'x' | 'series' | 'xLabel' | 'step' | 'kind'> & { kind?: ChartModel['kind'] },
): ChartModel => ({
  kind: 'line',
  ...chart,
  xLabel: 'Hour (UTC)',
  step: 3600,
  x: [],
  series: [],
});
