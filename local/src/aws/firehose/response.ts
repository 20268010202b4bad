import {
  FirehoseTransformationResponseSchema,
  type FirehoseTransformationRecord,
  type FirehoseTransformationResponse,
} from '@pipeline/shared';

export type ResponseVerdict =
  | { ok: true; results: Map<string, FirehoseTransformationRecord> }
  | { ok: false; errorCode: string; errorMessage: string };

// Error codes and messages Firehose writes to the processing-failed output and to CloudWatch Logs.
// https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-status-model.html
// https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
export const FIREHOSE_ERRORS = {
  functionError: {
    errorCode: 'Lambda.FunctionError',
    errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
  },
  jsonProcessing: {
    errorCode: 'Lambda.JsonProcessingException',
    errorMessage:
      'There was an error parsing returned records from the Lambda function. Ensure that the returned records follow the status model required by Firehose.',
  },
  duplicatedRecordId: {
    errorCode: 'Lambda.DuplicatedRecordId',
    errorMessage:
      'Multiple records were returned with the same record Id. Ensure that the Lambda function returns a unique record Id for each record.',
  },
  missingRecordId: {
    errorCode: 'Lambda.MissingRecordId',
    errorMessage:
      'One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.',
  },
  processingFailed: {
    errorCode: 'Lambda.ProcessingFailedStatus',
    errorMessage: 'ProcessingFailed status set for record',
  },
} as const;

const RESULTS: ReadonlySet<unknown> = new Set(['Ok', 'Dropped', 'ProcessingFailed']);
// The base64 the schema's `z.base64()` accepts: the standard alphabet with at most two `=` at the
// end and a length that is a multiple of 4 (zod's charset and length checks; its `atob` then
// cannot fail). A linear pattern: a 6 MB string must not overflow the regexp engine's stack.
const BASE64_CHARSET = /^[0-9a-zA-Z+/]*={0,2}$/;
const isBase64 = (data: unknown): boolean =>
  typeof data === 'string' && data.length % 4 === 0 && BASE64_CHARSET.test(data);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isStringRecord = (value: unknown): boolean => {
  if (!isObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
};

/**
 * True when the schema would accept the response as it is (the response crossed the JSON wire, so
 * its objects are plain): a hand-written pass over every record, far cheaper than the schema's,
 * which then only has to run on a response it may refuse, so its issues still name the fault.
 */
const isWellFormed = (response: unknown): response is FirehoseTransformationResponse => {
  if (!isObject(response) || !Array.isArray(response.records)) return false;
  for (const record of response.records as unknown[]) {
    if (!isObject(record)) return false;
    const { recordId, result, data, metadata } = record;
    if (typeof recordId !== 'string' || recordId === '' || !RESULTS.has(result)) return false;
    if (!isBase64(data)) return false;
    if (metadata !== undefined && !(isObject(metadata) && isStringRecord(metadata.partitionKeys)))
      return false;
  }
  return true;
};

const fail = (error: { errorCode: string; errorMessage: string }, detail?: string): ResponseVerdict => ({
  ok: false,
  errorCode: error.errorCode,
  errorMessage: detail ? `${error.errorMessage} ${detail}` : error.errorMessage,
});

/**
 * Checks a transform response against Firehose's status model: one entry per input record, each
 * with a known `recordId`, a `result` of Ok/Dropped/ProcessingFailed and base64 `data`; with
 * dynamic partitioning every Ok record must carry the partition keys the S3 prefix uses. Any
 * violation fails the whole invocation (it is retried, then the batch goes to the error prefix).
 */
export const checkTransformResponse = (
  response: unknown,
  recordIds: readonly string[],
  requiredPartitionKeys: readonly string[],
): ResponseVerdict => {
  const parsed = isWellFormed(response)
    ? { success: true as const, data: response }
    : FirehoseTransformationResponseSchema.safeParse(response);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      FIREHOSE_ERRORS.jsonProcessing,
      issue ? `(${issue.path.join('.')}: ${issue.message})` : undefined,
    );
  }
  const expected = new Set(recordIds);
  const results = new Map<string, FirehoseTransformationRecord>();
  for (const record of parsed.data.records) {
    if (results.has(record.recordId)) return fail(FIREHOSE_ERRORS.duplicatedRecordId, `(${record.recordId})`);
    results.set(record.recordId, record);
  }
  const missing = recordIds.find((id) => !results.has(id));
  if (missing !== undefined) return fail(FIREHOSE_ERRORS.missingRecordId, `(${missing})`);
  const unknown = [...results.keys()].find((id) => !expected.has(id));
  if (unknown !== undefined)
    return fail(FIREHOSE_ERRORS.jsonProcessing, `(record Id ${unknown} was not in the invocation)`);
  for (const record of results.values()) {
    if (record.result !== 'Ok') continue;
    const keys = record.metadata?.partitionKeys ?? {};
    const absent = requiredPartitionKeys.find((name) => typeof keys[name] !== 'string' || keys[name] === '');
    if (absent !== undefined) {
      return fail(
        FIREHOSE_ERRORS.jsonProcessing,
        `(record ${record.recordId} is Ok without metadata.partitionKeys.${absent}, which dynamic partitioning needs)`,
      );
    }
  }
  return { ok: true, results };
};
