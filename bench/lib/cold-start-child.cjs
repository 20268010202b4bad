'use strict';
// One cold start, in a fresh Node process like a new Lambda execution environment: require the
// bundle (the function's init phase), then serve one invocation. Plain CommonJS, no loader, so
// nothing but the bundle is measured. Usage: node cold-start-child.cjs <bundle.js> <export> <event.json>
const { readFileSync } = require('node:fs');
const { randomUUID } = require('node:crypto');

const [bundle, exportName, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const deadline = Date.now() + 60_000;
// What the Lambda runtime passes; Powertools reads the request id and the remaining time.
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  memoryLimitInMB: '1024',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/bench',
  logStreamName: '2026/11/25/[$LATEST]bench',
  getRemainingTimeInMillis: () => deadline - Date.now(),
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

// Log lines go to a counter, not a pipe: the parent reads one JSON line on fd 3.
let logBytes = 0;
const sink = (chunk, ...rest) => {
  logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  const callback = rest.find((arg) => typeof arg === 'function');
  if (callback) process.nextTick(callback);
  return true;
};
process.stdout.write = sink;
process.stderr.write = sink;

const loadStart = performance.now();
const handler = require(bundle)[exportName];
const loaded = performance.now();
Promise.resolve(handler(event, context)).then(
  (response) => {
    const invoked = performance.now();
    const report = {
      ok: true,
      loadMs: loaded - loadStart,
      invokeMs: invoked - loaded,
      // Process start to here, Node's own start-up included.
      sinceStartMs: process.uptime() * 1000,
      rssBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
      logBytes,
      response: JSON.stringify(response ?? null).slice(0, 300),
    };
    require('node:fs').writeSync(3, `${JSON.stringify(report)}\n`);
    process.exit(0);
  },
  (error) => {
    require('node:fs').writeSync(
      3,
      `${JSON.stringify({ ok: false, error: String(error?.stack ?? error) })}\n`,
    );
    process.exit(1);
  },
);
