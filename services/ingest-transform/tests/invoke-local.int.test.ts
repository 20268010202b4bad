import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const serviceDir = join(__dirname, '..');
const sls = join(serviceDir, '..', '..', 'node_modules', '.bin', 'sls');

/** Runs the README's `sls invoke local` command and returns the handler's JSON response. */
const invokeLocal = (eventFile: string): { records: { result: string }[] } => {
  const output = execFileSync(sls, ['invoke', 'local', '-f', 'transform', '-p', eventFile], {
    cwd: serviceDir,
    encoding: 'utf8',
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_DEV: undefined },
  });
  // osls prints the response pretty-printed after any log lines: it starts at the last line that is "{".
  return JSON.parse(output.slice(output.lastIndexOf('\n{\n') + 1));
};

describe('sls invoke local', () => {
  it('runs the transform offline on the sample Kinesis-source event', () => {
    expect(invokeLocal('events/firehose-kinesis-source.json').records.map((record) => record.result)).toEqual(
      ['Ok', 'Ok', 'Ok', 'Ok', 'Dropped', 'Ok'],
    );
  }, 60_000);

  it('runs the transform offline on the bad-records event without failing the batch', () => {
    const results = invokeLocal('events/firehose-bad-records.json').records.map((record) => record.result);
    expect(results.filter((result) => result === 'ProcessingFailed')).toHaveLength(results.length - 1);
  }, 60_000);
});
