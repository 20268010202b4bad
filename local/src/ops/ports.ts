/** The ingest bucket as the operations commands need it (S3 in AWS, the folder store locally). */
export interface OpsObjectStore {
  /** Every key under a prefix, in S3 listing order. */
  keys(prefix: string): AsyncIterable<string>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** A conditional write (`If-None-Match: *`): false when the key already exists. */
  putIfAbsent(key: string, body: string): Promise<boolean>;
}

export interface HubEntry {
  Data: Uint8Array;
  PartitionKey: string;
}

/** Kinesis PutRecords against the hub: the answer lists, per entry, whether it was refused. */
export interface OpsHub {
  putRecords(
    entries: HubEntry[],
  ): Promise<{ FailedRecordCount?: number; Records?: { ErrorCode?: string }[] }>;
  /** Waits between retries of refused entries (simulated time locally). */
  sleep(ms: number): Promise<void>;
}

/** report-runner's run queue. */
export interface OpsRunQueue {
  send(bodies: string[]): Promise<void>;
}
