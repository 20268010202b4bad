import { FirehoseTransformationResponseSchema } from '@pipeline/shared';
import { checkTransformResponse, FIREHOSE_ERRORS } from '../../src/aws/firehose/response';

// The verdict on a transform response is the schema's (FirehoseTransformationResponseSchema, the
// status model of https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-status-model.html),
// however the check gets there: a response the schema refuses fails with the schema's first issue.
const ok = (recordId: string, data = 'eyJhIjoxfQ==') => ({
  recordId,
  result: 'Ok',
  data,
  metadata: { partitionKeys: { dt: '2026-03-01', hour: '10' } },
});

const schemaVerdict = (response: unknown): string | undefined => {
  const parsed = FirehoseTransformationResponseSchema.safeParse(response);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return issue ? `(${issue.path.join('.')}: ${issue.message})` : '';
};

describe('Firehose: the transform response check', () => {
  const shapes: [string, unknown][] = [
    ['null', null],
    ['a string', 'ok'],
    ['an array', [ok('1')]],
    ['no records', {}],
    ['records not an array', { records: { 0: ok('1') } }],
    ['a null record', { records: [null] }],
    ['an array record', { records: [[ok('1')]] }],
    ['an empty record id', { records: [ok('')] }],
    ['a numeric record id', { records: [{ ...ok('1'), recordId: 1 }] }],
    ['an unknown result', { records: [{ ...ok('1'), result: 'ok' }] }],
    ['a missing result', { records: [{ recordId: '1', data: '' }] }],
    ['data that is not base64', { records: [ok('1', '{not base64}')] }],
    ['base64 with a bad length', { records: [ok('1', 'eyJhIjoxfQ=')] }],
    ['base64 with a space', { records: [ok('1', 'eyJhIjox fQ=')] }],
    ['base64 with three pads', { records: [ok('1', 'eyJhIjo===')] }],
    ['base64url', { records: [ok('1', 'eyJhIjoxfQ-_')] }],
    ['numeric data', { records: [{ ...ok('1'), data: 12 }] }],
    ['null metadata', { records: [{ ...ok('1'), metadata: null }] }],
    ['metadata without partition keys', { records: [{ ...ok('1'), metadata: {} }] }],
    ['partition keys as an array', { records: [{ ...ok('1'), metadata: { partitionKeys: ['x'] } }] }],
    ['a numeric partition key', { records: [{ ...ok('1'), metadata: { partitionKeys: { dt: 1 } } }] }],
    ['a bad second record', { records: [ok('1'), { ...ok('2'), result: 'Maybe' }] }],
  ];

  it.each(shapes)('refuses %s with the schema’s first issue', (_case, response) => {
    const expected = schemaVerdict(response);
    expect(expected).toBeDefined();
    expect(checkTransformResponse(response, ['1', '2'], [])).toEqual({
      ok: false,
      errorCode: FIREHOSE_ERRORS.jsonProcessing.errorCode,
      errorMessage: `${FIREHOSE_ERRORS.jsonProcessing.errorMessage} ${expected}`,
    });
  });

  it('accepts what the schema accepts, and returns each record by id', () => {
    const records = [
      ok('1', ''),
      { recordId: '2', result: 'Dropped', data: '' },
      { recordId: '3', result: 'ProcessingFailed', data: 'AA==', extra: true },
      { ...ok('4'), metadata: { partitionKeys: {} } },
    ];
    const response = { records, extra: 1 };
    expect(schemaVerdict(response)).toBeUndefined();
    const verdict = checkTransformResponse(response, ['1', '2', '3', '4'], []);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect([...verdict.results.keys()]).toEqual(['1', '2', '3', '4']);
    expect(verdict.results.get('1')).toMatchObject(ok('1', ''));
    expect(verdict.results.get('3')).toMatchObject({ result: 'ProcessingFailed', data: 'AA==' });
  });
});
