import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import {
  access,
  copyFile,
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Clock } from '../clock';
import { LOCAL_ENVIRONMENT, md5Hex, uuidFrom, type AwsEnvironment } from '../environment';

/** S3 errors shaped like the SDK v3 ones: `name` is the S3 error code, `$metadata` the HTTP status. */
export class S3ServiceError extends Error {
  readonly $fault = 'client';
  readonly $metadata: { httpStatusCode: number };

  constructor(name: string, message: string, httpStatusCode: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode };
  }
}

/**
 * The EventBridge event S3 sends for a new object.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
export interface ObjectCreatedEvent {
  version: '0';
  id: string;
  'detail-type': 'Object Created';
  source: 'aws.s3';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    version: '0';
    bucket: { name: string };
    object: { key: string; size: number; etag: string; sequencer: string };
    'request-id': string;
    requester: string;
    'source-ip-address': string;
    reason: 'PutObject';
  };
}

export type ObjectCreatedListener = (event: ObjectCreatedEvent) => void | Promise<void>;

export interface PutObjectInput {
  Bucket: string;
  Key: string;
  Body: Uint8Array | string;
  /** `*`: create only if the key does not exist (a conditional write). */
  IfNoneMatch?: string;
  ContentType?: string;
}

export interface ObjectSummary {
  Key: string;
  Size: number;
  LastModified: Date;
}

/** `.local/` at the repository root: where the local cloud keeps its buckets unless told otherwise. */
export const DEFAULT_LOCAL_ROOT = join(__dirname, '..', '..', '..', '..', '.local');

export interface ObjectStoreOptions {
  /** Folder holding one sub-folder per bucket; default DEFAULT_LOCAL_ROOT. */
  root?: string;
  clock: Clock;
  environment?: AwsEnvironment;
  /**
   * Decides, before a PutObject is stored, whether S3 answers it with an error instead (a 500
   * InternalError or 503 SlowDown, which the SDK and Firehose retry). Used for injected faults.
   */
  putFault?: (input: { Bucket: string; Key: string }) => S3ServiceError | undefined;
}

// Bucket names are 3-63 characters of lowercase letters, digits, dots and hyphens.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TMP_DIR = '.tmp';

/**
 * A folder-backed object store: one folder per bucket, one file per object, so DuckDB and a
 * person with `ls` see the same lake. Writes are atomic (temporary file, then rename or link), a
 * conditional put fails with 412 when the key exists, and each new object is announced to
 * subscribers as the EventBridge `Object Created` event S3 sends.
 */
export class ObjectStore {
  readonly root: string;
  readonly #clock: Clock;
  readonly #environment: AwsEnvironment;
  readonly #listeners = new Set<ObjectCreatedListener>();
  readonly #putFault: ObjectStoreOptions['putFault'];
  readonly #readers: (() => Promise<void>)[] = [];
  /** The files this store created, each with the number of its creation (see `snapshot`). */
  readonly #created = new Map<string, number>();
  #sequence = 0;

  constructor(options: ObjectStoreOptions) {
    this.root = options.root ?? DEFAULT_LOCAL_ROOT;
    this.#clock = options.clock;
    this.#environment = options.environment ?? LOCAL_ENVIRONMENT;
    this.#putFault = options.putFault;
  }

  async createBucket(bucket: string): Promise<void> {
    if (!BUCKET_NAME.test(bucket))
      throw new S3ServiceError('InvalidBucketName', `The specified bucket is not valid: ${bucket}`, 400);
    await mkdir(join(this.root, bucket), { recursive: true });
  }

  /** Subscribes to `Object Created` events of every bucket; returns the unsubscribe function. */
  onObjectCreated(listener: ObjectCreatedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * For a local engine that reads the buckets' folders in place while the simulation moves on (the
   * report runs): the files that existed when it started. A new object is left out of what it
   * reads; replacing or deleting an object waits until `reading()` resolves. So what a report
   * reads is decided when its invocation starts, and a run stays deterministic. Not an S3
   * behaviour: in AWS a query sees whatever is there while it runs.
   */
  holdChangesWhile(reading: () => Promise<void>): void {
    this.#readers.push(reading);
  }

  /** Whether a file existed when this was called: made by an earlier run, or by this store before. */
  snapshot(): (file: string) => boolean {
    const created = this.#created.size;
    return (file) => (this.#created.get(resolve(file)) ?? 0) <= created;
  }

  async #readersDone(): Promise<void> {
    for (const reading of this.#readers) await reading();
  }

  /** The file holding an object (for engines such as DuckDB that read the lake in place). */
  pathOf(bucket: string, key: string): string {
    return join(this.root, bucket, ...checkKey(key).split('/'));
  }

  bucketPath(bucket: string): string {
    return join(this.root, bucket);
  }

  async putObject(input: PutObjectInput): Promise<{ ETag: string; Size: number }> {
    await this.#requireBucket(input.Bucket);
    const fault = this.#putFault?.({ Bucket: input.Bucket, Key: input.Key });
    if (fault) throw fault;
    const target = this.pathOf(input.Bucket, input.Key);
    const body = typeof input.Body === 'string' ? Buffer.from(input.Body, 'utf8') : input.Body;
    const tmpDir = join(this.root, TMP_DIR);
    await mkdir(tmpDir, { recursive: true });
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    await writeFile(tmp, body);
    // Numbered before it appears, so a reader listing the folder meanwhile leaves it out.
    const file = resolve(target);
    if (this.#created.has(file) || (await exists(file))) await this.#readersDone();
    else this.#created.set(file, this.#created.size + 1);
    try {
      if (input.IfNoneMatch === '*') {
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html: with
        // If-None-Match: * the write fails with 412 Precondition Failed when the key exists.
        // link(2) never replaces an existing file, so the check and the write are one atomic step.
        try {
          await link(tmp, target).catch(async (error: NodeJS.ErrnoException) => {
            // Filesystems without hard links: an exclusive copy still fails when the key exists.
            if (error.code !== 'EPERM' && error.code !== 'ENOTSUP' && error.code !== 'EXDEV') throw error;
            await copyFile(tmp, target, constants.COPYFILE_EXCL);
          });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
            throw new S3ServiceError(
              'PreconditionFailed',
              'At least one of the pre-conditions you specified did not hold',
              412,
            );
          }
          throw error;
        }
      } else if (input.IfNoneMatch !== undefined) {
        throw new S3ServiceError('NotImplemented', 'If-None-Match supports only *', 501);
      } else {
        await rename(tmp, target);
      }
    } finally {
      await rm(tmp, { force: true });
    }
    const etag = md5Hex(body);
    await this.#announce(input.Bucket, input.Key, body.byteLength, etag);
    return { ETag: `"${etag}"`, Size: body.byteLength };
  }

  async getObject(input: {
    Bucket: string;
    Key: string;
  }): Promise<{ Body: Buffer; ETag: string; ContentLength: number; LastModified: Date }> {
    try {
      const path = this.pathOf(input.Bucket, input.Key);
      const [body, info] = await Promise.all([readFile(path), stat(path)]);
      return {
        Body: body,
        ETag: `"${md5Hex(body)}"`,
        ContentLength: body.byteLength,
        LastModified: info.mtime,
      };
    } catch (error) {
      throw notFound(error, input);
    }
  }

  async headObject(input: {
    Bucket: string;
    Key: string;
  }): Promise<{ ContentLength: number; LastModified: Date }> {
    try {
      const info = await stat(this.pathOf(input.Bucket, input.Key));
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      return { ContentLength: info.size, LastModified: info.mtime };
    } catch (error) {
      throw notFound(error, input, 'NotFound');
    }
  }

  async deleteObject(input: { Bucket: string; Key: string }): Promise<void> {
    await this.#readersDone();
    await unlink(this.pathOf(input.Bucket, input.Key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** ListObjectsV2: keys in UTF-8 binary order, at most `MaxKeys` (1,000) a page. */
  async listObjectsV2(input: {
    Bucket: string;
    Prefix?: string;
    MaxKeys?: number;
    ContinuationToken?: string;
    StartAfter?: string;
  }): Promise<{
    Contents: ObjectSummary[];
    IsTruncated: boolean;
    KeyCount: number;
    NextContinuationToken?: string;
  }> {
    await this.#requireBucket(input.Bucket);
    const prefix = input.Prefix ?? '';
    const maxKeys = Math.min(input.MaxKeys ?? 1000, 1000);
    const after = input.ContinuationToken
      ? Buffer.from(input.ContinuationToken, 'base64url').toString('utf8')
      : (input.StartAfter ?? '');
    const bucketDir = join(this.root, input.Bucket);
    // Only walk the folder the prefix points into, not the whole bucket.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys = (await walk(join(bucketDir, ...folder.split('/').filter(Boolean))))
      .map((path) => relative(bucketDir, path).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix) && key > after)
      .sort(compareKeys);
    const page = keys.slice(0, maxKeys);
    const contents = await Promise.all(
      page.map(async (key) => {
        const info = await stat(join(bucketDir, ...key.split('/')));
        return { Key: key, Size: info.size, LastModified: info.mtime };
      }),
    );
    const truncated = keys.length > maxKeys;
    const last = page.at(-1);
    return {
      Contents: contents,
      IsTruncated: truncated,
      KeyCount: contents.length,
      ...(truncated && last ? { NextContinuationToken: Buffer.from(last).toString('base64url') } : {}),
    };
  }

  /** Every key under a prefix, page by page, without holding the listing in memory. */
  async *keys(bucket: string, prefix = ''): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await this.listObjectsV2({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      });
      for (const { Key } of page.Contents) yield Key;
      token = page.NextContinuationToken;
    } while (token);
  }

  async #requireBucket(bucket: string): Promise<void> {
    const info = await stat(join(this.root, bucket)).catch(() => undefined);
    if (!info?.isDirectory())
      throw new S3ServiceError('NoSuchBucket', `The specified bucket does not exist: ${bucket}`, 404);
  }

  async #announce(bucket: string, key: string, size: number, etag: string): Promise<void> {
    if (this.#listeners.size === 0) return;
    const now = this.#clock.now();
    this.#sequence += 1;
    // The sequencer orders events for one key; a hex string that grows with time does that.
    const sequencer = (BigInt(now) * 4096n + BigInt(this.#sequence % 4096))
      .toString(16)
      .toUpperCase()
      .padStart(16, '0');
    const { accountId, region } = this.#environment;
    const event: ObjectCreatedEvent = {
      version: '0',
      id: uuidFrom('s3-event', bucket, key, sequencer),
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: accountId,
      time: `${new Date(now).toISOString().slice(0, 19)}Z`,
      region,
      resources: [`arn:aws:s3:::${bucket}`],
      detail: {
        version: '0',
        bucket: { name: bucket },
        object: { key, size, etag, sequencer },
        'request-id': md5Hex(`${bucket}/${key}/${sequencer}`).slice(0, 16).toUpperCase(),
        requester: accountId,
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    };
    for (const listener of this.#listeners) await listener(event);
  }
}

const checkKey = (key: string): string => {
  const segments = key.split('/');
  if (
    key.length === 0 ||
    Buffer.byteLength(key) > 1024 ||
    key.startsWith('/') ||
    key.endsWith('/') ||
    key.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    // Real S3 accepts most of these; a folder-backed store cannot hold them as files.
    throw new S3ServiceError(
      'InvalidArgument',
      `The local object store cannot hold the key ${JSON.stringify(key)}`,
      400,
    );
  }
  return key;
};

// S3 lists keys in UTF-8 binary order; Buffer.compare gives exactly that.
const compareKeys = (left: string, right: string): number =>
  Buffer.compare(Buffer.from(left), Buffer.from(right));

const notFound = (error: unknown, input: { Bucket: string; Key: string }, name = 'NoSuchKey'): unknown =>
  (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR'
    ? new S3ServiceError(name, `The specified key does not exist: ${input.Key}`, 404)
    : error;

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

const walk = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return nested.flat();
};
