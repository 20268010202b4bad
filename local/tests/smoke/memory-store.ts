import type { OpsObjectStore } from '../../src/ops/ports';

/** An object store over a map of keys to text, listed in key order as S3 lists them. */
export const memoryStore = (objects: Record<string, string>): OpsObjectStore => ({
  async *keys(prefix) {
    for (const key of Object.keys(objects).sort()) if (key.startsWith(prefix)) yield key;
  },
  get: async (key) => Buffer.from(objects[key] ?? ''),
  exists: async (key) => key in objects,
  putIfAbsent: async () => false,
});
