import { setTimeout as sleep } from 'node:timers/promises';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { OpsHub, OpsObjectStore, OpsRunQueue } from './ports';

export const s3Store = (client: S3Client, bucket: string): OpsObjectStore => ({
  async *keys(prefix) {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const { Key } of page.Contents ?? []) if (Key) yield Key;
      token = page.NextContinuationToken;
    } while (token);
  },
  async get(key) {
    const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from((await result.Body?.transformToByteArray()) ?? []);
  },
  async exists(key) {
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return false;
      throw error;
    }
  },
  // Conditional writes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
  async putIfAbsent(key, body) {
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          IfNoneMatch: '*',
          ContentType: 'application/json',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) return false;
      throw error;
    }
  },
});

export const kinesisHub = (client: KinesisClient, stream: string): OpsHub => {
  const target = stream.startsWith('arn:') ? { StreamARN: stream } : { StreamName: stream };
  return {
    putRecords: (entries) => client.send(new PutRecordsCommand({ ...target, Records: entries })),
    sleep: async (ms) => void (await sleep(ms)),
  };
};

// SendMessageBatch: at most 10 messages a call; failed entries are reported per entry.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
export const sqsRunQueue = (client: SQSClient, queueUrl: string): OpsRunQueue => ({
  async send(bodies) {
    for (let start = 0; start < bodies.length; start += 10) {
      const batch = bodies.slice(start, start + 10);
      const result = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((body, index) => ({ Id: String(index), MessageBody: body })),
        }),
      );
      if ((result.Failed ?? []).length > 0)
        throw new Error(`SQS refused ${result.Failed?.map(({ Id, Code }) => `${Id}: ${Code}`).join(', ')}`);
    }
  },
});

export const awsClients = (region: string | undefined) => {
  const config = region ? { region } : {};
  return { s3: new S3Client(config), kinesis: new KinesisClient(config), sqs: new SQSClient(config) };
};
