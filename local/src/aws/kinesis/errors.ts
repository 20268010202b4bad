/**
 * Errors shaped like the AWS SDK v3 ones (`name` is the exception name, `$metadata` carries the
 * HTTP status), so an adapter written against the SDK handles the local hub the same way.
 */
export class KinesisServiceError extends Error {
  readonly $fault = 'client';
  readonly $metadata: { httpStatusCode: number };

  constructor(name: string, message: string, httpStatusCode = 400) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode };
  }
}

export const validationError = (message: string): KinesisServiceError =>
  new KinesisServiceError('ValidationException', message);

export const invalidArgument = (message: string): KinesisServiceError =>
  new KinesisServiceError('InvalidArgumentException', message);

export const resourceNotFound = (message: string): KinesisServiceError =>
  new KinesisServiceError('ResourceNotFoundException', message);

export const resourceInUse = (message: string): KinesisServiceError =>
  new KinesisServiceError('ResourceInUseException', message);

export const expiredIterator = (message: string): KinesisServiceError =>
  new KinesisServiceError('ExpiredIteratorException', message);

export const throughputExceeded = (message: string): KinesisServiceError =>
  new KinesisServiceError('ProvisionedThroughputExceededException', message);
