import type { AwsEnvironment } from '../environment';

// The JSON records Firehose writes under the error output prefix, one per failed record.
// https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
// https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html

/** A record the transform failed (ProcessingFailed, or a batch whose every attempt failed). */
export const processingFailedRecord = (failure: {
  attemptsMade: number;
  arrival: number;
  errorCode: string;
  errorMessage: string;
  at: number;
  data: Uint8Array;
  lambdaArn: string;
}): object => ({
  attemptsMade: failure.attemptsMade,
  arrivalTimestamp: failure.arrival,
  errorCode: failure.errorCode,
  errorMessage: failure.errorMessage,
  attemptEndingTimestamp: failure.at,
  rawData: Buffer.from(failure.data).toString('base64'),
  lambdaArn: failure.lambdaArn,
});

/** A transformed record that record format conversion could not convert. */
export const formatConversionFailedRecord = (failure: {
  arrival: number;
  errorMessage: string;
  at: number;
  base64Data: string;
  sequenceNumber: string;
  table: { databaseName: string; tableName: string } | undefined;
  environment: AwsEnvironment;
}): object => {
  const { region, accountId } = failure.environment;
  return {
    attemptsMade: 1,
    arrivalTimestamp: failure.arrival,
    lastErrorCode: 'DataFormatConversion.MalformedData',
    lastErrorMessage: failure.errorMessage,
    attemptEndingTimestamp: failure.at,
    rawData: failure.base64Data,
    sequenceNumber: failure.sequenceNumber,
    subSequenceNumber: 0,
    ...(failure.table
      ? {
          dataCatalogTable: {
            catalogId: accountId,
            databaseName: failure.table.databaseName,
            tableName: failure.table.tableName,
            region,
            versionId: 'LATEST',
            catalogArn: `arn:aws:glue:${region}:${accountId}:catalog`,
          },
        }
      : {}),
  };
};
