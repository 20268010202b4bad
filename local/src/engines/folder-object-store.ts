import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ObjectReader, ObjectStore } from '@pipeline/report-runner';

/**
 * A bucket as a local folder: keys are relative paths. Writes go to a temporary file renamed into
 * place, so a reader never sees half an object and an overwrite is atomic, like an S3 PUT.
 */
export class FolderObjectStore implements ObjectStore, ObjectReader {
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /**
   * Synchronous underneath: the objects are small, and each awaited step of a write waits for a
   * turn of the event loop, which in the local cloud comes only between the simulation's steps
   * (the report runs write here while the simulation goes on).
   */
  async put(key: string, body: string | Uint8Array, _contentType?: string): Promise<void> {
    const target = this.pathOf(key);
    mkdirSync(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    writeFileSync(temporary, body);
    renameSync(temporary, target);
  }

  /** Whether the object exists (S3 HEAD; analytics-sink's `RealtimeObjects`). */
  async exists(key: string): Promise<boolean> {
    try {
      await access(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  /** Keys under `prefix` after `startAfter`, ascending as S3 lists them; writes in flight are not keys. */
  async list(prefix: string, startAfter = '', limit = Infinity): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries
      .filter((entry) => entry.isFile() && !entry.name.endsWith('.tmp'))
      .map((entry) =>
        path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
      )
      .filter((key) => key.startsWith(prefix) && key > startAfter)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .slice(0, limit);
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.pathOf(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  uri(key: string): string {
    return pathToFileURL(this.pathOf(key)).href;
  }

  pathOf(key: string): string {
    const target = path.resolve(this.root, key);
    if (!target.startsWith(`${this.root}${path.sep}`))
      throw new Error(`Key ${key} escapes the bucket folder`);
    return target;
  }
}
