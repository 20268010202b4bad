// A separate entry point of the testing kit (`@pipeline/shared/testing/aws-sdk-mocks`), not part of
// its index: aws-sdk-client-mock loads sinon, which only the tests of SDK adapters need.
import type { Client, MetadataBearer } from '@smithy/types';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';

type ClientClass = { prototype: Client<object, MetadataBearer, unknown> };
type StubOf<Class> = Class extends {
  prototype: Client<infer Input extends object, infer Output extends MetadataBearer, infer Configuration>;
}
  ? AwsStub<Input, Output, Configuration>
  : never;

/**
 * aws-sdk-client-mock stubs for SDK client classes, by the names given, reset before every test of
 * the file that calls this (at its top level): every client of those classes the code under test
 * builds answers from its stub, and no answer set up by one test reaches the next.
 */
export const mockedClients = <const Classes extends Record<string, ClientClass>>(
  classes: Classes,
): { [Name in keyof Classes]: StubOf<Classes[Name]> } => {
  const stubs = Object.fromEntries(
    Object.entries(classes).map(([name, ClientOf]) => [name, mockClient(ClientOf)]),
  ) as Record<string, AwsStub<object, MetadataBearer, unknown>>;
  beforeEach(() => {
    for (const stub of Object.values(stubs)) stub.reset();
  });
  return stubs as { [Name in keyof Classes]: StubOf<Classes[Name]> };
};

/** An Athena column, as `[name, type]` (Trino type names: varchar, bigint, double...). */
export type AthenaColumn = readonly [name: string, type: string];

/**
 * One page of an Athena `GetQueryResults` answer, every cell a `VarCharValue`. The first row of
 * the first page is the header (the column names); later pages have none.
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
 */
export const athenaResultsPage = (
  columns: readonly AthenaColumn[],
  rows: readonly (readonly string[])[],
  { header = true, nextToken }: { header?: boolean; nextToken?: string } = {},
) => ({
  ResultSet: {
    ResultSetMetadata: { ColumnInfo: columns.map(([Name, Type]) => ({ Name, Type })) },
    Rows: [...(header ? [columns.map(([name]) => name)] : []), ...rows].map((cells) => ({
      Data: cells.map((VarCharValue) => ({ VarCharValue })),
    })),
  },
  ...(nextToken ? { NextToken: nextToken } : {}),
});
