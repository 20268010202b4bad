import { parseRegistry, type RegistryFormat } from './parse';
import type { DeviceRegistry } from './schema';

/** What a registry source returns: unchanged since `etag`, or the object's current content. */
export type RegistryFetchResult =
  { changed: false } | { changed: true; etag: string; text: string; format: RegistryFormat };

/**
 * Where the registry file is read from (S3 in AWS, a bucket folder in the local cloud). Given the
 * ETag of the copy the caller holds, it answers `changed: false` when the object is still that one,
 * so an unchanged registry costs a conditional GET and no download.
 */
export interface RegistrySource {
  fetch(etag?: string): Promise<RegistryFetchResult>;
}

/** The registry the pipeline currently uses. */
export interface RegistrySnapshot {
  /** The last good copy, or undefined when none could be loaded yet (cold start, unreadable). */
  registry: DeviceRegistry | undefined;
  /** ETag of that copy. */
  etag?: string;
  /** When that copy was loaded (`now()` clock, epoch ms). */
  loadedAt?: number;
  /** Why the last check failed, when it did (the copy above, if any, is then older than wanted). */
  lastError?: string;
}

/** Anything that hands out the current registry: a `RegistryCache`, or a fixed one in tests. */
export interface RegistryProvider {
  current(): Promise<RegistrySnapshot>;
}

export interface RegistryCacheOptions {
  source: RegistrySource;
  /** The source is checked at most once per interval. */
  refreshIntervalMs: number;
  /** With no copy yet, a failed load is retried after this (default: the smaller of 30 s and the interval). */
  retryWithoutCopyMs?: number;
  now?: () => number;
  /** Called when fetching or parsing fails; the cache keeps serving the last good copy. */
  onError?: (error: unknown, context: { hasCopy: boolean; etag?: string }) => void;
  /** Called when a new copy is loaded. */
  onLoaded?: (info: { etag: string; devices: number; previousEtag?: string }) => void;
}

const DEFAULT_RETRY_WITHOUT_COPY_MS = 30_000;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// A failing callback (a logger, a metric) must not turn into a failing batch.
const notify = (callback: () => void): void => {
  try {
    callback();
  } catch {
    // Deliberately ignored: see above.
  }
};

/**
 * Keeps one parsed copy of the registry per container and refreshes it from its source when the
 * object's ETag changes, checking at most every `refreshIntervalMs`. When fetching or parsing
 * fails it keeps the last good copy (reference data must never stop ingestion), reports the error
 * through `onError`, and tries again at the next interval. Concurrent callers share one check.
 * `current()` never throws.
 */
export class RegistryCache implements RegistryProvider {
  private snapshot: RegistrySnapshot = { registry: undefined };
  private nextCheckAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<RegistrySnapshot> | undefined;
  private readonly now: () => number;
  private readonly retryWithoutCopyMs: number;

  constructor(private readonly options: RegistryCacheOptions) {
    this.now = options.now ?? Date.now;
    this.retryWithoutCopyMs =
      options.retryWithoutCopyMs ?? Math.min(DEFAULT_RETRY_WITHOUT_COPY_MS, options.refreshIntervalMs);
  }

  async current(): Promise<RegistrySnapshot> {
    if (this.now() < this.nextCheckAt) return this.snapshot;
    this.checking ??= this.check().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async check(): Promise<RegistrySnapshot> {
    const { source, refreshIntervalMs, onError, onLoaded } = this.options;
    const previous = this.snapshot;
    try {
      const result = await source.fetch(previous.etag);
      if (result.changed) {
        const registry = parseRegistry(result.text, result.format);
        this.snapshot = { registry, etag: result.etag, loadedAt: this.now() };
        notify(() => onLoaded?.({ etag: result.etag, devices: registry.size, previousEtag: previous.etag }));
      } else if (previous.lastError !== undefined) {
        this.snapshot = { registry: previous.registry, etag: previous.etag, loadedAt: previous.loadedAt };
      }
      this.nextCheckAt = this.now() + refreshIntervalMs;
    } catch (error) {
      this.snapshot = { ...previous, lastError: messageOf(error) };
      const hasCopy = previous.registry !== undefined;
      this.nextCheckAt = this.now() + (hasCopy ? refreshIntervalMs : this.retryWithoutCopyMs);
      notify(() => onError?.(error, { hasCopy, etag: previous.etag }));
    }
    return this.snapshot;
  }
}

/** A provider for a registry that is not configured (or fixed, in tests): never fetches. */
export const fixedRegistry = (registry: DeviceRegistry | undefined): RegistryProvider => {
  const snapshot: RegistrySnapshot = { registry };
  return { current: async () => snapshot };
};
