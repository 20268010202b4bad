import type { Clock } from '../clock';
import { IdGenerator, LOCAL_ENVIRONMENT, md5Hex, type AwsEnvironment } from '../environment';
import type { EventBridgeEnvelope, EventTarget } from '../eventbridge/EventBus';

// Standard-queue limits and defaults.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
export const SQS_LIMITS = {
  /** Since August 2025 a message may be up to 1 MiB (it was 256 KiB). */
  maxMessageBytes: 1024 * 1024,
  maxVisibilityTimeoutSeconds: 12 * 60 * 60,
  defaultVisibilityTimeoutSeconds: 30,
  defaultRetentionSeconds: 4 * 24 * 60 * 60,
  maxDelaySeconds: 900,
  maxReceiveBatch: 10,
  maxReceiveCount: 1000,
} as const;

export class SqsServiceError extends Error {
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 400 };

  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  Body: string;
  MD5OfBody: string;
  MD5OfMessageAttributes?: string;
  Attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
    DeadLetterQueueSourceArn?: string;
  };
  MessageAttributes: Record<string, MessageAttributeValue>;
}

interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  attributes: Record<string, MessageAttributeValue>;
  sentTimestamp: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  receiptHandle: string | undefined;
  deadLetterQueueSourceArn: string | undefined;
}

export interface RedrivePolicy {
  deadLetterQueue: SqsQueue;
  /** 1-1,000: after this many receives the next receive moves the message to the DLQ. */
  maxReceiveCount: number;
}

export interface SqsQueueOptions {
  name: string;
  clock: Clock;
  environment?: AwsEnvironment;
  visibilityTimeoutSeconds?: number;
  messageRetentionSeconds?: number;
  delaySeconds?: number;
  redrivePolicy?: RedrivePolicy;
  /** The principal that sends (SenderId); default the account's root-like id. */
  senderId?: string;
  /**
   * Asked on every DeleteMessage: true keeps a copy that is delivered again (a standard queue
   * delivers at least once: "you might occasionally receive a copy of a message" even after
   * deleting it). Used for injected faults.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues-at-least-once-delivery.html
   */
  redeliverAfterDelete?: (message: { messageId: string; receiveCount: number }) => boolean;
}

/**
 * An in-process SQS standard queue: at-least-once delivery, visibility timeout, receive counts,
 * redrive to a dead-letter queue after `maxReceiveCount` receives, and retention. Its methods mirror
 * the SDK's (`sendMessage`, `receiveMessage`, `deleteMessage`, `changeMessageVisibility`).
 */
export class SqsQueue {
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  readonly visibilityTimeoutSeconds: number;
  readonly #clock: Clock;
  readonly #messages = new Map<string, StoredMessage>();
  readonly #retentionMs: number;
  readonly #delaySeconds: number;
  readonly #redrive: RedrivePolicy | undefined;
  readonly #senderId: string;
  readonly #messageIds: IdGenerator;
  readonly #receipts: IdGenerator;
  readonly #redeliverAfterDelete: SqsQueueOptions['redeliverAfterDelete'];
  #movedToDeadLetter = 0;

  constructor(options: SqsQueueOptions) {
    const environment = options.environment ?? LOCAL_ENVIRONMENT;
    this.name = options.name;
    this.arn = `arn:aws:sqs:${environment.region}:${environment.accountId}:${options.name}`;
    this.url = `https://sqs.${environment.region}.amazonaws.com/${environment.accountId}/${options.name}`;
    this.#clock = options.clock;
    this.visibilityTimeoutSeconds = checkRange(
      'VisibilityTimeout',
      options.visibilityTimeoutSeconds ?? SQS_LIMITS.defaultVisibilityTimeoutSeconds,
      0,
      SQS_LIMITS.maxVisibilityTimeoutSeconds,
    );
    this.#retentionMs =
      checkRange(
        'MessageRetentionPeriod',
        options.messageRetentionSeconds ?? SQS_LIMITS.defaultRetentionSeconds,
        60,
        1_209_600,
      ) * 1000;
    this.#delaySeconds = checkRange('DelaySeconds', options.delaySeconds ?? 0, 0, SQS_LIMITS.maxDelaySeconds);
    if (options.redrivePolicy) {
      checkRange('maxReceiveCount', options.redrivePolicy.maxReceiveCount, 1, SQS_LIMITS.maxReceiveCount);
    }
    this.#redrive = options.redrivePolicy;
    this.#senderId = options.senderId ?? `AIDA${environment.accountId}LOCAL`;
    this.#messageIds = new IdGenerator(`sqs-message:${this.arn}`);
    this.#receipts = new IdGenerator(`sqs-receipt:${this.arn}`);
    this.#redeliverAfterDelete = options.redeliverAfterDelete;
  }

  async sendMessage(input: {
    MessageBody: string;
    DelaySeconds?: number;
    MessageAttributes?: Record<string, MessageAttributeValue>;
  }): Promise<{ MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes?: string }> {
    const bytes = Buffer.byteLength(input.MessageBody) + attributesSize(input.MessageAttributes ?? {});
    if (input.MessageBody.length === 0)
      throw new SqsServiceError('InvalidParameterValue', 'The message body must not be empty');
    if (bytes > SQS_LIMITS.maxMessageBytes) {
      throw new SqsServiceError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${SQS_LIMITS.maxMessageBytes} bytes.`,
      );
    }
    const delay = checkRange(
      'DelaySeconds',
      input.DelaySeconds ?? this.#delaySeconds,
      0,
      SQS_LIMITS.maxDelaySeconds,
    );
    const now = this.#clock.now();
    const message: StoredMessage = {
      messageId: this.#messageIds.next(),
      body: input.MessageBody,
      md5OfBody: md5Hex(input.MessageBody),
      attributes: input.MessageAttributes ?? {},
      sentTimestamp: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
      deadLetterQueueSourceArn: undefined,
    };
    this.#messages.set(message.messageId, message);
    const attributesMd5 = md5OfAttributes(message.attributes);
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: message.md5OfBody,
      ...(attributesMd5 ? { MD5OfMessageAttributes: attributesMd5 } : {}),
    };
  }

  async receiveMessage(input: { MaxNumberOfMessages?: number; VisibilityTimeout?: number } = {}): Promise<{
    Messages: ReceivedMessage[];
  }> {
    const max = checkRange(
      'MaxNumberOfMessages',
      input.MaxNumberOfMessages ?? 1,
      1,
      SQS_LIMITS.maxReceiveBatch,
    );
    return { Messages: this.receive(max, input.VisibilityTimeout) };
  }

  /**
   * Receives up to `max` visible messages (a Lambda poller gathers more than ten per batch, so this
   * internal form has no ten-message cap). Messages that have already been received
   * `maxReceiveCount` times move to the dead-letter queue instead of being delivered again.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
   */
  receive(
    max: number,
    visibilityTimeoutSeconds?: number,
    maxBytes = Number.POSITIVE_INFINITY,
  ): ReceivedMessage[] {
    const now = this.#clock.now();
    const timeout = checkRange(
      'VisibilityTimeout',
      visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds,
      0,
      SQS_LIMITS.maxVisibilityTimeoutSeconds,
    );
    this.#expire(now);
    const received: ReceivedMessage[] = [];
    let bytes = 0;
    for (const message of this.#messages.values()) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (this.#redrive && message.receiveCount >= this.#redrive.maxReceiveCount) {
        this.#moveToDeadLetter(message);
        continue;
      }
      const size = Buffer.byteLength(message.body);
      if (received.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + timeout * 1000;
      message.receiptHandle = `${Buffer.from(message.messageId).toString('base64url')}.${this.#receipts.next()}`;
      received.push(this.#view(message));
    }
    return received;
  }

  /** Deletes a received message. A stale receipt handle (the message was received again since) is ignored. */
  async deleteMessage(input: { ReceiptHandle: string }): Promise<void> {
    const message = this.#byReceipt(input.ReceiptHandle);
    if (!message || message.receiptHandle !== input.ReceiptHandle) return;
    if (this.#redeliverAfterDelete?.({ messageId: message.messageId, receiveCount: message.receiveCount })) {
      // The copy is visible again at once; its receive count goes on from the deleted one's.
      message.receiptHandle = undefined;
      message.visibleAt = this.#clock.now();
      return;
    }
    this.#messages.delete(message.messageId);
  }

  async changeMessageVisibility(input: { ReceiptHandle: string; VisibilityTimeout: number }): Promise<void> {
    const timeout = checkRange(
      'VisibilityTimeout',
      input.VisibilityTimeout,
      0,
      SQS_LIMITS.maxVisibilityTimeoutSeconds,
    );
    const message = this.#byReceipt(input.ReceiptHandle);
    if (!message || message.receiptHandle !== input.ReceiptHandle || message.visibleAt <= this.#clock.now()) {
      throw new SqsServiceError('MessageNotInflight', 'The message referred to is not in flight.');
    }
    message.visibleAt = this.#clock.now() + timeout * 1000;
  }

  /** ApproximateNumberOfMessages (visible) and ApproximateNumberOfMessagesNotVisible (in flight or delayed). */
  counts(): { visible: number; notVisible: number; total: number } {
    const now = this.#clock.now();
    this.#expire(now);
    let visible = 0;
    for (const message of this.#messages.values()) if (message.visibleAt <= now) visible += 1;
    return { visible, notVisible: this.#messages.size - visible, total: this.#messages.size };
  }

  /** Messages moved from this queue to its dead-letter queue so far. */
  get movedToDeadLetterCount(): number {
    return this.#movedToDeadLetter;
  }

  /**
   * When the next invisible (in-flight or delayed) message becomes visible, if any, leaving out the
   * messages received with the `ignored` receipt handles (a batch its consumer will settle before).
   */
  nextVisibleAt(ignored?: ReadonlySet<string>): number | undefined {
    const now = this.#clock.now();
    let next: number | undefined;
    for (const message of this.#messages.values()) {
      if (message.receiptHandle !== undefined && ignored?.has(message.receiptHandle)) continue;
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next))
        next = message.visibleAt;
    }
    return next;
  }

  /** @internal Accepts a message moved from a source queue, keeping its id and original send time. */
  acceptDeadLetter(message: {
    messageId: string;
    body: string;
    attributes: Record<string, MessageAttributeValue>;
    sentTimestamp: number;
    sourceArn: string;
  }): void {
    this.#messages.set(message.messageId, {
      messageId: message.messageId,
      body: message.body,
      md5OfBody: md5Hex(message.body),
      attributes: message.attributes,
      sentTimestamp: message.sentTimestamp,
      visibleAt: this.#clock.now(),
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
      deadLetterQueueSourceArn: message.sourceArn,
    });
  }

  #moveToDeadLetter(message: StoredMessage): void {
    this.#messages.delete(message.messageId);
    this.#movedToDeadLetter += 1;
    this.#redrive?.deadLetterQueue.acceptDeadLetter({
      messageId: message.messageId,
      body: message.body,
      attributes: message.attributes,
      sentTimestamp: message.sentTimestamp,
      sourceArn: this.arn,
    });
  }

  #expire(now: number): void {
    for (const message of this.#messages.values()) {
      if (now - message.sentTimestamp >= this.#retentionMs) this.#messages.delete(message.messageId);
    }
  }

  #byReceipt(receiptHandle: string): StoredMessage | undefined {
    const [encodedId = ''] = receiptHandle.split('.');
    return this.#messages.get(Buffer.from(encodedId, 'base64url').toString('utf8'));
  }

  #view(message: StoredMessage): ReceivedMessage {
    const attributesMd5 = md5OfAttributes(message.attributes);
    return {
      MessageId: message.messageId,
      ReceiptHandle: message.receiptHandle as string,
      Body: message.body,
      MD5OfBody: message.md5OfBody,
      ...(attributesMd5 ? { MD5OfMessageAttributes: attributesMd5 } : {}),
      Attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: this.#senderId,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp),
        ...(message.deadLetterQueueSourceArn
          ? { DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn }
          : {}),
      },
      MessageAttributes: message.attributes,
    };
  }
}

/**
 * An EventBridge rule target that sends the matched event, as JSON, as the message body: what an
 * SQS target without an input transformer does.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html
 */
export const sqsTarget =
  (queue: SqsQueue): EventTarget =>
  async (event: EventBridgeEnvelope) => {
    await queue.sendMessage({ MessageBody: JSON.stringify(event) });
  };

const checkRange = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SqsServiceError(
      'InvalidParameterValue',
      `${name} must be an integer between ${min} and ${max}, got ${value}`,
    );
  }
  return value;
};

const attributesSize = (attributes: Record<string, MessageAttributeValue>): number =>
  Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      (value.StringValue ? Buffer.byteLength(value.StringValue) : 0) +
      (value.BinaryValue?.byteLength ?? 0),
    0,
  );

// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation
// Attributes sorted by name, each as length-prefixed name, type and a transport byte plus value.
const md5OfAttributes = (attributes: Record<string, MessageAttributeValue>): string | undefined => {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.byteLength);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const value = attributes[name] as MessageAttributeValue;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
};
