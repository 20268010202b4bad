import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RealtimeObjects } from './lake-realtime-store';

/** The real-time bucket through the S3 API. */
export class S3RealtimeObjects implements RealtimeObjects {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  /**
   * HEAD answers 404 for a missing object only to a caller that may list the bucket; without
   * s3:ListBucket it answers 403, which this treats as a failure, never as "missing".
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
   */
  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return false;
      throw error;
    }
  }
}
