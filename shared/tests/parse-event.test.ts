import { z } from 'zod';
import {
  EVENT_REJECTED_MESSAGE,
  eventParser,
  EventSchemaError,
  MAX_REPORTED_ISSUES,
  parseEvent,
  type ErrorLogger,
} from '../src/runtime';

const recordingLogger = () => {
  const errors: { message: string; extra: Record<string, unknown>[] }[] = [];
  const logger: ErrorLogger = { error: (message, ...extra) => errors.push({ message, extra }) };
  return { logger, errors };
};

const EventSchema = z.object({
  eventSource: z.literal('aws:kafka'),
  records: z.record(
    z.string(),
    z.array(z.object({ offset: z.number(), value: z.string(), headers: z.array(z.number().max(255)) })),
  ),
});

// Values a log must never show: they stand for device data and secrets carried in the payload.
const SECRET_VALUE = 'device-secret-4711';
const SECRET_NUMBER = 987654321;

const badEvent = {
  eventSource: 'aws:kafka',
  records: {
    'telemetry-0': [
      { offset: 1, value: SECRET_NUMBER, headers: [1, 2] },
      { offset: SECRET_VALUE, value: 'eyJ9', headers: [SECRET_NUMBER] },
    ],
  },
};

describe('parseEvent', () => {
  it('returns the parsed event and logs nothing when the event fits the schema', () => {
    const { logger, errors } = recordingLogger();
    const event = {
      eventSource: 'aws:kafka',
      records: { 'telemetry-0': [{ offset: 1, value: 'e30=', headers: [] }] },
    };

    expect(parseEvent(EventSchema, event, logger)).toEqual(event);
    expect(errors).toEqual([]);
  });

  it('logs every issue path, message and code at ERROR under one stable message, and no value', () => {
    const { logger, errors } = recordingLogger();

    expect(() => parseEvent(EventSchema, badEvent, logger)).toThrow(EventSchemaError);

    expect(errors).toEqual([
      {
        message: EVENT_REJECTED_MESSAGE,
        extra: [
          {
            issueCount: 3,
            issues: [
              {
                path: 'records.telemetry-0.0.value',
                message: 'Invalid input: expected string, received number',
                code: 'invalid_type',
              },
              {
                path: 'records.telemetry-0.1.offset',
                message: 'Invalid input: expected number, received string',
                code: 'invalid_type',
              },
              {
                path: 'records.telemetry-0.1.headers.0',
                message: 'Too big: expected number to be <=255',
                code: 'too_big',
              },
            ],
          },
        ],
      },
    ]);
    const logged = JSON.stringify(errors);
    expect(logged).not.toContain(SECRET_VALUE);
    expect(logged).not.toContain(String(SECRET_NUMBER));
  });

  it('fails with an error that names the paths, so the function error says where too', () => {
    const { logger } = recordingLogger();

    expect(() => parseEvent(EventSchema, { eventSource: 'SelfManagedKafka', records: {} }, logger)).toThrow(
      `${EVENT_REJECTED_MESSAGE}: eventSource: Invalid input: expected "aws:kafka"`,
    );
    expect(() => parseEvent(EventSchema, badEvent, logger)).not.toThrow(SECRET_VALUE);
  });

  it('reports what each option of a union missed, at its full path', () => {
    const { logger, errors } = recordingLogger();
    const Schema = z.object({
      detail: z.union([z.object({ bucket: z.string() }), z.object({ queue: z.string() })]),
    });

    expect(() => parseEvent(Schema, { detail: { bucket: 7 } }, logger)).toThrow(EventSchemaError);
    expect(errors[0]?.extra[0]?.issues).toEqual([
      {
        path: 'detail.bucket',
        message: 'Invalid input: expected string, received number',
        code: 'invalid_type',
      },
      {
        path: 'detail.queue',
        message: 'Invalid input: expected string, received undefined',
        code: 'invalid_type',
      },
    ]);
  });

  it('logs at most MAX_REPORTED_ISSUES issues and counts them all', () => {
    const { logger, errors } = recordingLogger();
    const event = { items: Array.from({ length: MAX_REPORTED_ISSUES + 5 }, () => 'x') };

    expect(() => parseEvent(z.object({ items: z.array(z.number()) }), event, logger)).toThrow(`(and 5 more)`);
    const { issueCount, issues } = errors[0]?.extra[0] as { issueCount: number; issues: unknown[] };
    expect([issueCount, issues.length]).toEqual([MAX_REPORTED_ISSUES + 5, MAX_REPORTED_ISSUES]);
  });
});

describe('eventParser (middy middleware)', () => {
  it('replaces the request event with the parsed one', () => {
    const { logger } = recordingLogger();
    const request = { event: { count: '3' } as unknown };

    eventParser({ schema: z.object({ count: z.coerce.number() }), logger }).before(request);

    expect(request.event).toEqual({ count: 3 });
  });

  it('fails the request and logs the issues when the event does not fit', () => {
    const { logger, errors } = recordingLogger();

    expect(() => eventParser({ schema: EventSchema, logger }).before({ event: badEvent })).toThrow(
      EventSchemaError,
    );
    expect(errors.map(({ message }) => message)).toEqual([EVENT_REJECTED_MESSAGE]);
  });
});
