import type { SQSEvent } from 'aws-lambda';
import { parseMessageBody } from '../src/messages';
import { loadEvent } from './support/fakes';

const bodies = () => loadEvent<SQSEvent>('sqs-mixed-batch.json').Records.map(({ body }) => body);

describe('parsing an SQS message body', () => {
  it('reads an EventBridge Object Created event (plain key)', () => {
    expect(parseMessageBody(bodies()[0]!)).toEqual({
      kind: 'objects',
      objects: [
        {
          bucket: 'local-ingest',
          key: 'raw/dt=2026-03-01/hour=10/ingest-transform-local-lake-1-2026-03-01-10-16-40-5b1f.parquet',
        },
      ],
    });
  });

  it('reads a classic S3 notification and URL-decodes its key', () => {
    expect(parseMessageBody(bodies()[2]!)).toEqual({
      kind: 'objects',
      objects: [
        {
          bucket: 'local-ingest',
          key: 'raw/dt=2026-03-01/hour=11/ingest-transform-local-lake-1-2026-03-01-11-01-02-a7d4.parquet',
        },
      ],
    });
    const withSpace = JSON.parse(bodies()[2]!);
    withSpace.Records[0].s3.object.key = 'raw/dt%3D2026-03-01/hour%3D11/my+file%2B1.parquet';
    expect(parseMessageBody(JSON.stringify(withSpace))).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'local-ingest', key: 'raw/dt=2026-03-01/hour=11/my file+1.parquet' }],
    });
  });

  // AWS's sample "Object created" event, verbatim ("EventBridge event message structure", Amazon S3
  // user guide, https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html), and two
  // variants: the request came over IPv6, or from an AWS service (`requester` and
  // `source-ip-address` a service principal, as S3 reports `s3.amazonaws.com` in place of an
  // address for lifecycle events: aws-powertools/powertools-lambda-typescript#3643). The runner
  // reads the bucket and the key only; a field it does not use must not send a new lake object
  // to the DLQ (its hour would wait for the daily re-run).
  it.each([
    'eventbridge-object-created.json',
    'eventbridge-object-created-ipv6.json',
    'eventbridge-object-created-by-service.json',
  ])('reads AWS sample EventBridge event %s, whatever the source address and requester', (file) => {
    expect(parseMessageBody(JSON.stringify(loadEvent(file)))).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'amzn-s3-demo-bucket1', key: 'example-key' }],
    });
  });

  it('reads EventBridge and classic notifications without the fields it does not use, or with new ones', () => {
    const event = loadEvent<Record<string, Record<string, unknown>>>('eventbridge-object-created.json');
    delete event.detail!['source-ip-address'];
    delete event.detail!['request-id'];
    delete event.detail!.requester;
    delete event.time;
    event.detail!['event-version'] = '1.1';
    event.detail!.bucket = {
      name: 'amzn-s3-demo-bucket1',
      'aws-generated-tags': { 'aws:cloudformation:logical-id': 'S3DemoBucket' },
    };
    expect(parseMessageBody(JSON.stringify(event))).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'amzn-s3-demo-bucket1', key: 'example-key' }],
    });
    const classic = JSON.parse(bodies()[2]!);
    classic.Records[0].requestParameters.sourceIPAddress = '2001:db8:4006:812::200e';
    classic.Records[0].userIdentity.principalId = 'AWS:firehose.amazonaws.com';
    classic.Records[0].eventTime = 'not a time';
    delete classic.Records[0].responseElements;
    expect(parseMessageBody(JSON.stringify(classic))).toEqual({
      kind: 'objects',
      objects: [
        {
          bucket: 'local-ingest',
          key: 'raw/dt=2026-03-01/hour=11/ingest-transform-local-lake-1-2026-03-01-11-01-02-a7d4.parquet',
        },
      ],
    });
  });

  it('rejects a notification without a bucket name or an object key, saying which is missing', () => {
    const event = loadEvent<Record<string, Record<string, Record<string, unknown>>>>(
      'eventbridge-object-created.json',
    );
    delete event.detail!.object!.key;
    const intent = parseMessageBody(JSON.stringify(event));
    expect(intent).toEqual(expect.objectContaining({ kind: 'reject', reason: 'not_an_s3_event' }));
    expect(intent.kind === 'reject' && intent.detail).toMatch(/detail\.object\.key/);
    const classic = JSON.parse(bodies()[2]!);
    classic.Records[0].s3.bucket.name = '';
    expect(parseMessageBody(JSON.stringify(classic))).toEqual(
      expect.objectContaining({ kind: 'reject', reason: 'not_an_s3_event' }),
    );
  });

  it('rejects a body that is not JSON, with the reason', () => {
    expect(parseMessageBody(bodies()[3]!)).toEqual(
      expect.objectContaining({ kind: 'reject', reason: 'invalid_json' }),
    );
  });

  it('says where a body is not JSON without quoting the body, which is payload data', () => {
    const intent = parseMessageBody('{"Records":[{"s3":{"object":{"key":"raw/secret-device-7');
    expect(intent).toEqual(expect.objectContaining({ kind: 'reject', reason: 'invalid_json' }));
    expect(intent.kind === 'reject' && intent.detail).not.toContain('secret-device-7');
  });

  it('rejects JSON that is no S3 event, saying what did not match', () => {
    const intent = parseMessageBody('{"hello":"world"}');
    expect(intent).toEqual(expect.objectContaining({ kind: 'reject', reason: 'not_an_s3_event' }));
    expect(intent.kind === 'reject' && intent.detail).toMatch(/Records|detail/);
  });

  it('rejects other S3 events (deletions) rather than running reports for them', () => {
    const deleted = JSON.parse(bodies()[0]!);
    deleted['detail-type'] = 'Object Deleted';
    delete deleted.detail.object.size;
    expect(parseMessageBody(JSON.stringify(deleted))).toEqual(
      expect.objectContaining({ kind: 'reject', reason: 'unsupported_event' }),
    );
    const classic = JSON.parse(bodies()[2]!);
    classic.Records[0].eventName = 'ObjectRemoved:Delete';
    expect(parseMessageBody(JSON.stringify(classic))).toEqual(
      expect.objectContaining({ kind: 'reject', reason: 'unsupported_event' }),
    );
  });

  it('ignores the s3:TestEvent S3 sends when a notification is configured', () => {
    const test = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-03-01T10:00:00.000Z',
      Bucket: 'local-ingest',
      RequestId: 'X',
      HostId: 'Y',
    };
    expect(parseMessageBody(JSON.stringify(test))).toEqual({ kind: 'ignore', reason: 's3:TestEvent' });
  });

  it('reads a re-run request and checks its partition', () => {
    const [record] = loadEvent<SQSEvent>('sqs-rerun-request.json').Records;
    expect(parseMessageBody(record!.body)).toEqual({
      kind: 'rerun',
      partition: { dt: '2026-03-01', hour: '10' },
      reason: 'operator backfill',
    });
    expect(
      parseMessageBody(
        JSON.stringify({ type: 'rerun-partition', dt: '2026-03-01', hour: '24', reason: 'x' }),
      ),
    ).toEqual(expect.objectContaining({ kind: 'reject', reason: 'invalid_partition' }));
  });
});
