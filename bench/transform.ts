/**
 * Transform benchmark: the deployed Firehose transform handler against a bare decode/parse/
 * stringify/encode loop over the same records. A benchmark, never a test: run it by hand with
 * `npm run bench:transform` and record the figures in docs/BENCHMARKS.md.
 *
 * Options: --sizes=1,3,6 (request payload in MiB; 6 means "as close to the 6 MB invoke limit as
 * fits"), --rounds=15, --warmups=3, --log-level=WARN, --stages=true (then, per size, the stages of
 * transformBatch timed on their own, after and apart from the handler/bare rounds), --registry=100000
 * (devices in the device registry the handler enriches from; every device of the synthetic batches
 * is in it; 0 runs without a registry).
 */
import { deepStrictEqual } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES, type FirehoseTransformationRecord } from '@pipeline/shared';
import { syntheticFirehoseEvent } from './lib/firehose-events';
import { loadBundled } from './lib/bundle';
import { interleave, machine, median, megabytes, silenceOutput, table } from './lib/harness';
import type * as IngestTransform from '@pipeline/ingest-transform';
import type { FirehoseInputRecord } from '@pipeline/ingest-transform';
import type * as Shared from '@pipeline/shared';
import type * as SharedRegistry from '@pipeline/shared/registry';

/** What the bundled entry exports: the deployed handler plus its parts, measured separately. */
type TransformModules = {
  handler: (
    event: IngestTransform.FirehoseTransformEvent,
    context: Context,
  ) => Promise<Shared.FirehoseTransformationResponse>;
} & Pick<
  typeof IngestTransform,
  'FirehoseTransformEventSchema' | 'transformBatch' | 'settingsFromEnvironment'
> &
  Pick<typeof Shared, 'decodeJsonObject' | 'normaliseHubMessage' | 'canonicalRecordJson'> &
  Pick<typeof SharedRegistry, 'parseRegistry' | 'enrichRecord'>;

const option = (name: string, fallback: string): string =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

const SIZES_MB = option('sizes', '1,3,6').split(',').map(Number);
const ROUNDS = Number(option('rounds', '15'));
const WARMUPS = Number(option('warmups', '3'));
const LOG_LEVEL = option('log-level', 'WARN').toUpperCase();
const STAGES = option('stages', 'true') !== 'false';
const REGISTRY_DEVICES = Number(option('registry', '100000'));

// The registry the handler reads at its first invocation: the local stage's entry
// (local/src/functions/ingest-transform.ts: the deployed wiring and RegistryCache, with the file
// source in place of S3), `dev-0001` ... `dev-<N>`, which covers every
// device of the synthetic batches (dev-0001 to dev-5000). Checked once a day: a refresh inside a
// sample would time a file read that a Lambda container does once per refresh interval.
const REGISTRY_ROOT = path.join(__dirname, 'out', 'registry-root');
const REGISTRY_KEY = 'reference/devices/registry.jsonl';
const writeBenchRegistry = (devices: number): string => {
  const lines: string[] = [];
  for (let index = 1; index <= devices; index += 1) {
    lines.push(
      JSON.stringify({
        device_id: `dev-${String(index).padStart(4, '0')}`,
        site: `site-${index % 97}`,
        model: ['TH-100', 'TH-200', 'THP-300'][index % 3],
        owner: ['facilities', 'quality', 'logistics', 'research'][index % 4],
        location: `Hall ${index % 12}, bay ${index % 40}`,
        install_date: `202${index % 5}-0${1 + (index % 9)}-1${index % 9}`,
        temperature_max: index % 10 === 0 ? 30 : null,
      }),
    );
  }
  const file = path.join(REGISTRY_ROOT, 'bench-ingest', ...REGISTRY_KEY.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  const text = `${lines.join('\n')}\n`;
  writeFileSync(file, text);
  return text;
};
const registryText = REGISTRY_DEVICES > 0 ? writeBenchRegistry(REGISTRY_DEVICES) : '';

// What the function gets in AWS (services/ingest-transform/serverless.ts and the shared provider
// defaults); read by the handler module at import, so set before it is loaded.
Object.assign(process.env, {
  MAX_RECORD_BYTES: '65536',
  MAX_FUTURE_SKEW_SECONDS: '300',
  MAX_EVENT_AGE_HOURS: '168',
  POWERTOOLS_LOG_LEVEL: LOG_LEVEL,
  POWERTOOLS_SERVICE_NAME: 'ingest-transform',
  POWERTOOLS_METRICS_NAMESPACE: 'IngestionPipeline',
  AWS_REGION: 'us-east-1',
  STAGE: 'local',
  LOCAL_ROOT: REGISTRY_ROOT,
  REGISTRY_BUCKET: 'bench-ingest',
  REGISTRY_KEY: REGISTRY_DEVICES > 0 ? REGISTRY_KEY : '',
  REGISTRY_REFRESH_SECONDS: '86400',
  // Rejections are kept as in AWS, in the bench's folder (the local stage writes files).
  QUARANTINE_BUCKET: 'bench-ingest',
});

const FUNCTION_NAME = 'ingest-transform-dev-transform';
const TIMEOUT_MS = 120_000;

/** A Lambda context as the Node.js runtime builds it for each invocation. */
const lambdaContext = (): Context => {
  const deadline = Date.now() + TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: '2026/11/25/[$LATEST]8d5b2f0c4e3a41f6a0c7d9e2b1f4a6c3',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

/** The floor: what any transform must do per record, with no validation and no reshaping. */
const bareTransform = (
  records: readonly FirehoseInputRecord[],
): { records: FirehoseTransformationRecord[] } => {
  const output: FirehoseTransformationRecord[] = new Array(records.length);
  for (let index = 0; index < records.length; index += 1) {
    const { recordId, data } = records[index] as FirehoseInputRecord;
    try {
      const value: unknown = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
      output[index] = {
        recordId,
        result: 'Ok',
        data: Buffer.from(`${JSON.stringify(value)}\n`).toString('base64'),
      };
    } catch {
      output[index] = { recordId, result: 'ProcessingFailed', data };
    }
  }
  return { records: output };
};

const perSecond = (records: number, ms: number): string =>
  Math.round((records * 1000) / ms).toLocaleString('en-US');
const fixed = (value: number, digits = 1): string => value.toFixed(digits);

const main = async (): Promise<void> => {
  const {
    handler,
    FirehoseTransformEventSchema,
    transformBatch,
    settingsFromEnvironment,
    decodeJsonObject,
    normaliseHubMessage,
    canonicalRecordJson,
    parseRegistry,
    enrichRecord,
  } = loadBundled<TransformModules>(
    'transform',
    [
      "export { handler } from './local/src/functions/ingest-transform';",
      "export { FirehoseTransformEventSchema, transformBatch, settingsFromEnvironment } from '@pipeline/ingest-transform';",
      "export { decodeJsonObject, normaliseHubMessage, canonicalRecordJson } from '@pipeline/shared';",
      "export { parseRegistry, enrichRecord } from '@pipeline/shared/registry';",
    ].join('\n'),
  );
  const settings = settingsFromEnvironment();
  // What a container pays once per registry version: parsing and validating the whole file.
  const parseStarted = performance.now();
  const registry = REGISTRY_DEVICES > 0 ? parseRegistry(registryText, 'jsonl') : undefined;
  const registryParseMs = performance.now() - parseStarted;

  console.log('Transform benchmark (bench:transform)');
  console.log(`Machine: ${machine()}`);
  console.log(
    `Method: per size ${WARMUPS} warm-up runs, then ${ROUNDS} interleaved rounds (order reversed every other round, full GC before each sample); medians. handler/bare (a throughput ratio) and the middy+logs+metrics cost are medians of per-round values.`,
  );
  console.log(
    `Handler env: POWERTOOLS_LOG_LEVEL=${LOG_LEVEL} (per-record "record rejected" warnings are ${
      ['WARN', 'INFO', 'DEBUG', 'TRACE'].includes(LOG_LEVEL) ? 'emitted' : 'suppressed'
    }), MAX_RECORD_BYTES=65536, MAX_FUTURE_SKEW_SECONDS=300, MAX_EVENT_AGE_HOURS=168.`,
  );
  console.log(
    registry
      ? `Enrichment: on, a device registry of ${registry.size.toLocaleString('en-US')} devices (${megabytes(Buffer.byteLength(registryText))} MB of JSON Lines, parsed and validated in ${fixed(registryParseMs, 0)} ms, once per container and registry version, outside the samples); every device of the batches is registered. "transformBatch, no registry" is the domain without enrichment, in the same rounds.`
      : 'Enrichment: off (--registry=0).',
  );
  console.log(
    'Output: stdout/stderr writes are swallowed by a byte-counting sink during every sample (all variants), so log and EMF lines are still built and serialised but never hit the terminal.\n',
  );

  const results: string[][] = [];
  const breakdown: string[][] = [];
  const outcomes: string[][] = [];
  const spread: string[][] = [];
  const stages: string[][] = [];

  for (const sizeMb of SIZES_MB) {
    const limit = Math.min(sizeMb * 1024 * 1024, FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES);
    const { event, eventBytes, dataBytes } = syntheticFirehoseEvent(limit);
    const count = event.records.length;

    // The handler must really transform (not stop at the parser) and agree with the domain.
    const restore = silenceOutput();
    const fromHandler = await handler(event, lambdaContext());
    restore();
    const fromDomain = transformBatch(event.records, settings, registry);
    deepStrictEqual(fromHandler, { records: fromDomain.records });
    if (registry && fromDomain.summary.unregistered !== 0)
      throw new Error(`${fromDomain.summary.unregistered} records of the batch are not in the registry`);

    let logBytes = 0;
    let invocations = 0;
    const stopSilence = silenceOutput();
    const samples = await interleave(
      {
        handler: async () => {
          invocations += 1;
          return handler(event, lambdaContext());
        },
        bare: () => bareTransform(event.records),
        domain: () => transformBatch(event.records, settings, registry),
        unenriched: () => transformBatch(event.records, settings),
        envelope: () => FirehoseTransformEventSchema.parse(event),
      },
      { warmups: WARMUPS, rounds: ROUNDS },
    );
    const written = stopSilence();
    logBytes = written.stdout + written.stderr;
    const memory = process.memoryUsage();

    const ms = {
      handler: median(samples.handler),
      bare: median(samples.bare),
      domain: median(samples.domain),
      unenriched: median(samples.unenriched),
      envelope: median(samples.envelope),
    };
    // Ratios and differences are taken within a round (samples run back to back), then the median
    // across rounds: load from other processes then shifts both sides of a pair alike.
    const paired = (f: (round: number) => number): number =>
      median(samples.handler.map((_, round) => f(round)));
    const at = (name: keyof typeof samples, round: number): number => samples[name][round] ?? NaN;
    const ratio = paired((round) => at('bare', round) / at('handler', round));
    const wiring = paired((round) => at('handler', round) - at('envelope', round) - at('domain', round));
    const label = `${sizeMb} MB`;
    results.push([
      label,
      count.toLocaleString('en-US'),
      perSecond(count, ms.handler),
      perSecond(count, ms.bare),
      fixed(ratio, 2),
      megabytes(memory.heapUsed),
      megabytes(memory.rss),
    ]);
    breakdown.push([
      label,
      megabytes(eventBytes),
      megabytes(dataBytes),
      fixed(ms.handler),
      fixed(ms.envelope),
      fixed(ms.domain),
      fixed(ms.unenriched),
      fixed(wiring),
      fixed(ms.bare),
      perSecond(count, ms.domain),
      Math.round(logBytes / invocations).toLocaleString('en-US'),
    ]);
    spread.push([
      label,
      ...(['handler', 'bare', 'domain'] as const).map((name) => {
        const sorted = [...samples[name]].sort((a, b) => a - b);
        return `${fixed(sorted[0] ?? NaN)} / ${fixed(median(sorted))} / ${fixed(sorted.at(-1) ?? NaN)}`;
      }),
    ]);
    if (STAGES) {
      // transformBatch's stages on their own, each over the whole batch, in µs per input record:
      // decoding (base64 check, strict UTF-8, JSON.parse), normalisation of the decoded messages
      // (validation, event id, timestamps, the canonical record) and serialisation of the accepted
      // records, timed in the same rounds as transformBatch and bare. What transformBatch takes
      // beyond their sum is its bookkeeping (outcomes, response size accounting, the response
      // entries) and the collection of the response it retains.
      const decoded = event.records.map((record) => decodeJsonObject(record.data, settings.maxRecordBytes));
      const ingestTimes = event.records.map(
        (record) =>
          record.kinesisRecordMetadata?.approximateArrivalTimestamp ?? record.approximateArrivalTimestamp,
      );
      const accepted = decoded.flatMap((result, index) => {
        if (!result.ok) return [];
        const normalised = normaliseHubMessage(result.value, ingestTimes[index] ?? 0, settings.eventTime);
        return normalised.outcome === 'ok' ? [normalised.record] : [];
      });
      let sink: unknown;
      const stageSamples = await interleave(
        {
          decode: () => {
            for (const record of event.records) sink = decodeJsonObject(record.data, settings.maxRecordBytes);
          },
          normalise: () => {
            decoded.forEach((result, index) => {
              if (result.ok)
                sink = normaliseHubMessage(result.value, ingestTimes[index] ?? 0, settings.eventTime);
            });
          },
          enrich: () => {
            for (const record of accepted) sink = enrichRecord(record, registry);
          },
          serialise: () => {
            for (const record of accepted)
              sink = Buffer.from(`${canonicalRecordJson(record)}\n`).toString('base64');
          },
          transformBatch: () => transformBatch(event.records, settings, registry),
          bare: () => bareTransform(event.records),
        },
        { warmups: WARMUPS, rounds: ROUNDS },
      );
      void sink;
      const perRecord = (name: keyof typeof stageSamples): number =>
        (median(stageSamples[name]) * 1000) / count;
      const sum = perRecord('decode') + perRecord('normalise') + perRecord('enrich') + perRecord('serialise');
      stages.push([
        label,
        fixed(perRecord('decode'), 2),
        fixed(perRecord('normalise'), 2),
        fixed(perRecord('enrich'), 2),
        fixed(perRecord('serialise'), 2),
        fixed(perRecord('transformBatch') - sum, 2),
        fixed(perRecord('transformBatch'), 2),
        fixed(perRecord('bare'), 2),
      ]);
    }

    const { summary } = fromDomain;
    const failed = Object.entries(summary.failed).map(([reason, n]) => `${reason} ${n}`);
    outcomes.push([
      label,
      String(summary.ok),
      String(summary.unregistered),
      String(Object.values(summary.dropped).reduce((sum, n) => sum + n, 0)),
      failed.join(', ') || '-',
    ]);
  }

  console.log(
    table(
      ['size', 'records', 'handler rec/s', 'bare rec/s', 'handler/bare', 'heap used MB', 'RSS MB'],
      results,
    ),
  );
  console.log('\nTarget: handler/bare >= 0.5 (aim 0.7).');
  for (const [label, , , , ratio] of results) {
    console.log(`  ${label}: ${ratio} ${Number(ratio) >= 0.5 ? 'meets' : 'misses'} the target`);
  }
  console.log('\nWhere the time goes (median ms per invocation):');
  console.log(
    table(
      [
        'size',
        'event MB',
        'data MB',
        'handler',
        'envelope parse',
        'transformBatch',
        'transformBatch, no registry',
        'middy+logs+metrics',
        'bare',
        'transformBatch rec/s',
        'log bytes/inv',
      ],
      breakdown,
    ),
  );
  if (STAGES) {
    console.log('\ntransformBatch by stage (median µs per input record; each stage timed on its own):');
    console.log(
      table(
        [
          'size',
          'decode',
          'normalise',
          'enrich',
          'serialise + base64',
          'rest (bookkeeping, GC)',
          'transformBatch',
          'bare (same rounds)',
        ],
        stages,
      ),
    );
  }
  console.log('\nSpread of the samples, ms (min / median / max):');
  console.log(table(['size', 'handler', 'bare', 'transformBatch'], spread));
  console.log('\nOutcomes per invocation (transformBatch summary):');
  console.log(table(['size', 'Ok', 'Ok, unregistered', 'Dropped', 'ProcessingFailed by reason'], outcomes));
  console.log(`\nPeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MB`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
