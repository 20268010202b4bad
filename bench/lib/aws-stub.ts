import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo } from 'node:net';

/** What the stub answered, per operation: the cold-start benchmark checks its calls were served. */
export type StubCalls = Record<string, number>;

export interface AwsStub {
  /** `http://127.0.0.1:<port>`: point `AWS_ENDPOINT_URL` at it. */
  endpoint: string;
  /** The same over HTTP/2 (cleartext), for clients that only speak HTTP/2 (Kinesis). */
  http2Endpoint: string;
  calls: StubCalls;
  close: () => Promise<void>;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

const json = (response: Response, body: unknown, type = 'application/x-amz-json-1.1'): void => {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  response.end(text);
};

const xml = (response: Response, status: number, body: string): void => {
  response.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
};

/** Answers for the JSON-protocol operations the functions call on their first invocation. */
const jsonAnswer = (operation: string, input: Record<string, unknown>): unknown => {
  switch (operation) {
    case 'Kinesis_20131202.PutRecords':
      return {
        FailedRecordCount: 0,
        Records: ((input.Records as unknown[] | undefined) ?? []).map((_, index) => ({
          SequenceNumber: String(49_650_000_000_000_000_000_000_000_000n + BigInt(index)),
          ShardId: 'shardId-000000000000',
        })),
      };
    case 'AmazonAthena.StartQueryExecution':
      return { QueryExecutionId: randomUUID() };
    case 'AmazonAthena.GetQueryExecution':
      return {
        QueryExecution: {
          QueryExecutionId: input.QueryExecutionId,
          Status: {
            State: 'SUCCEEDED',
            SubmissionDateTime: Date.now() / 1000,
            CompletionDateTime: Date.now() / 1000,
          },
          Statistics: {
            DataScannedInBytes: 0,
            EngineExecutionTimeInMillis: 1,
            TotalExecutionTimeInMillis: 1,
          },
        },
      };
    case 'AmazonAthena.GetQueryResults':
      // A header row and no data: a partition without readings.
      return { ResultSet: { Rows: [{ Data: [] }], ResultSetMetadata: { ColumnInfo: [] } } };
    default:
      return {};
  }
};

const readBody = async (request: Request): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * A local endpoint standing in for AWS in cold-start measurements: the handlers' real SDK clients
 * sign, serialise and send their first requests (part of a cold start) and get an immediate, valid
 * answer instead of a hang. Kinesis PutRecords and Athena answer as on success with empty results;
 * S3 accepts puts and has no objects.
 */
export const startAwsStub = async (): Promise<AwsStub> => {
  const calls: StubCalls = {};
  const answer = (request: Request, response: Response): void => {
    void (async () => {
      const body = await readBody(request);
      const target = request.headers['x-amz-target'];
      if (typeof target === 'string') {
        calls[target] = (calls[target] ?? 0) + 1;
        json(response, jsonAnswer(target, body === '' ? {} : (JSON.parse(body) as Record<string, unknown>)));
        return;
      }
      const operation = `S3.${request.method ?? 'GET'}`;
      calls[operation] = (calls[operation] ?? 0) + 1;
      if (request.method === 'PUT') {
        response.writeHead(200, { etag: '"d41d8cd98f00b204e9800998ecf8427e"', 'content-length': 0 });
        response.end();
      } else if (request.method === 'HEAD') {
        response.writeHead(404, { 'content-length': 0 });
        response.end();
      } else {
        xml(
          response,
          404,
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
        );
      }
    })();
  };
  const server = createServer(answer);
  const http2 = createHttp2Server(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const http2Port = (http2.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    http2Endpoint: `http://127.0.0.1:${http2Port}`,
    calls,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await new Promise((resolve) => http2.close(resolve));
    },
  };
};
