import {
  RegistryCache,
  RegistryFormatError,
  fixedRegistry,
  parseRegistry,
  type RegistryFetchResult,
  type RegistrySource,
} from '../../src/registry';

const VERSION_1 = '{"device_id":"dev-1","site":"plant-a","model":"TH-200"}\n';
const VERSION_2 =
  '{"device_id":"dev-1","site":"plant-b","model":"TH-300"}\n{"device_id":"dev-2","site":"plant-b"}\n';

/** An in-memory registry object with an ETag per version, answering conditional fetches like S3. */
class FakeSource implements RegistrySource {
  readonly calls: (string | undefined)[] = [];
  failure: Error | undefined;
  private version = 0;
  private text: string | undefined;

  put(text: string): void {
    this.version += 1;
    this.text = text;
  }

  async fetch(etag?: string): Promise<RegistryFetchResult> {
    this.calls.push(etag);
    if (this.failure) throw this.failure;
    if (this.text === undefined) throw new Error('NoSuchKey: The specified key does not exist.');
    const current = `"v${this.version}"`;
    return etag === current
      ? { changed: false }
      : { changed: true, etag: current, text: this.text, format: 'jsonl' };
  }
}

const setup = (refreshIntervalMs = 60_000) => {
  const source = new FakeSource();
  let clock = 1_000_000;
  const errors: { message: string; hasCopy: boolean }[] = [];
  const loads: { etag: string; devices: number }[] = [];
  const cache = new RegistryCache({
    source,
    refreshIntervalMs,
    now: () => clock,
    onError: (error, { hasCopy }) => errors.push({ message: (error as Error).message, hasCopy }),
    onLoaded: ({ etag, devices }) => loads.push({ etag, devices }),
  });
  return { source, cache, errors, loads, advance: (ms: number) => (clock += ms) };
};

describe('RegistryCache', () => {
  it('loads the registry on first use and serves it without asking the source again within the interval', async () => {
    const { source, cache, advance, loads } = setup();
    source.put(VERSION_1);
    const first = await cache.current();
    advance(59_999);
    const second = await cache.current();
    expect(first.registry?.get('dev-1')?.model).toBe('TH-200');
    expect(second).toBe(first);
    expect(source.calls).toEqual([undefined]);
    expect(loads).toEqual([{ etag: '"v1"', devices: 1 }]);
  });

  it('checks the ETag after the interval and keeps the parsed copy while it is unchanged', async () => {
    const { source, cache, advance, loads } = setup();
    source.put(VERSION_1);
    const first = await cache.current();
    advance(60_000);
    const second = await cache.current();
    expect(source.calls).toEqual([undefined, '"v1"']);
    expect(second.registry).toBe(first.registry);
    expect(loads).toHaveLength(1);
  });

  it('picks up a new version only once the interval has passed', async () => {
    const { source, cache, advance } = setup();
    source.put(VERSION_1);
    await cache.current();
    source.put(VERSION_2);
    advance(30_000);
    expect((await cache.current()).registry?.get('dev-1')?.site).toBe('plant-a');
    advance(30_000);
    const refreshed = await cache.current();
    expect(refreshed.etag).toBe('"v2"');
    expect(refreshed.registry?.get('dev-1')?.site).toBe('plant-b');
    expect(refreshed.registry?.size).toBe(2);
  });

  it('keeps the last good copy when the new version does not parse, and reports it', async () => {
    const { source, cache, advance, errors } = setup();
    source.put(VERSION_1);
    await cache.current();
    source.put('{"device_id":"dev-1","site":"plant-a"}\n{"device_id":"dev-1","site":"plant-c"}\n');
    advance(60_000);
    const snapshot = await cache.current();
    expect(snapshot.registry?.get('dev-1')?.model).toBe('TH-200');
    expect(snapshot.etag).toBe('"v1"');
    expect(snapshot.lastError).toContain('duplicate device_id "dev-1"');
    expect(errors).toEqual([{ message: expect.stringContaining('line 2'), hasCopy: true }]);
  });

  it('keeps the last good copy when the source cannot be read, and recovers when it can', async () => {
    const { source, cache, advance, errors } = setup();
    source.put(VERSION_1);
    await cache.current();
    source.failure = new Error('AccessDenied');
    advance(60_000);
    expect((await cache.current()).registry?.get('dev-1')?.model).toBe('TH-200');
    advance(1_000);
    await cache.current();
    expect(source.calls).toHaveLength(2);
    source.failure = undefined;
    advance(59_000);
    const recovered = await cache.current();
    expect(recovered).toEqual({ registry: expect.any(Map), etag: '"v1"', loadedAt: expect.any(Number) });
    expect(errors).toEqual([{ message: 'AccessDenied', hasCopy: true }]);
  });

  it('has no registry on a cold start without a readable copy, and retries sooner than the interval', async () => {
    const { source, cache, advance, errors } = setup(300_000);
    const cold = await cache.current();
    expect(cold.registry).toBeUndefined();
    expect(cold.lastError).toContain('NoSuchKey');
    expect(errors).toEqual([{ message: expect.stringContaining('NoSuchKey'), hasCopy: false }]);
    source.put(VERSION_1);
    advance(29_999);
    expect((await cache.current()).registry).toBeUndefined();
    advance(1);
    expect((await cache.current()).registry?.size).toBe(1);
  });

  it('shares one check between concurrent callers', async () => {
    const { source, cache } = setup();
    source.put(VERSION_1);
    const [a, b, c] = await Promise.all([cache.current(), cache.current(), cache.current()]);
    expect(source.calls).toHaveLength(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('never throws, even when its callbacks do', async () => {
    const cache = new RegistryCache({
      source: { fetch: async () => ({ changed: true, etag: '"x"', text: 'not json', format: 'jsonl' }) },
      refreshIntervalMs: 1,
      onError: () => {
        throw new Error('logger broken');
      },
    });
    await expect(cache.current()).resolves.toMatchObject({
      registry: undefined,
      lastError: expect.any(String),
    });
  });
});

describe('fixedRegistry', () => {
  it('hands out the same registry every time', async () => {
    const registry = parseRegistry(VERSION_1, 'jsonl');
    expect((await fixedRegistry(registry).current()).registry).toBe(registry);
    expect((await fixedRegistry(undefined).current()).registry).toBeUndefined();
    expect(new RegistryFormatError([{ line: 0, message: 'empty' }]).message).toBe(
      'invalid device registry: empty',
    );
  });
});
