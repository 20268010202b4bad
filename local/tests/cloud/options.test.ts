import { HELP, parseCommandLine, parseDuration, UsageError } from '../../src/cli/options';
import { ABSORBED_FAULTS, FAULT_KINDS } from '../../src/cloud/faults';

const env = { LOCAL_ROOT: '/tmp/local-cloud-options' };

describe('the npm start command line', () => {
  it('defaults to forty devices reporting once a minute for four hours into .local', () => {
    const { run, quiet, help } = parseCommandLine([], env);
    expect(run).toMatchObject({
      root: '/tmp/local-cloud-options',
      devices: 40,
      rate: 40 / 60,
      durationMs: 4 * 3_600_000,
      format: 'parquet',
      seed: 'pipeline',
      keepRunning: false,
      badShare: 0.02,
      kafkaShare: 0.25,
    });
    expect(run.startMs).toBeUndefined();
    expect({ quiet, help }).toEqual({ quiet: false, help: false });
  });

  it('takes every option of the help text', () => {
    const { run, quiet } = parseCommandLine(
      [
        '--devices=12',
        '--sites=3',
        '--events=2000',
        '--rate=4',
        '--bad-share=0.1',
        '--kafka-share=0.5',
        '--duplicate-share=0.05',
        '--late-share=0.02',
        '--heartbeat-share=0',
        '--window=120',
        '--processor-buffer=0.2,30',
        '--s3-buffer=64,900',
        '--shards=4',
        '--format=json',
        '--out=/tmp/elsewhere',
        '--start=2026-03-01T22:00:00Z',
        '--seed=abc',
        '--keep-running',
        '--log-level=warn',
        '--faults=all,transform-exhausted',
        '--fault-rate=0.2',
        '--quiet',
      ],
      env,
    );
    expect(run).toEqual({
      root: '/tmp/elsewhere',
      devices: 12,
      sites: 3,
      events: 2000,
      rate: 4,
      badShare: 0.1,
      kafkaShare: 0.5,
      duplicateShare: 0.05,
      lateShare: 0.02,
      heartbeatShare: 0,
      windowSeconds: 120,
      processorBufferSizeMB: 0.2,
      processorBufferIntervalSeconds: 30,
      s3BufferSizeMB: 64,
      s3BufferIntervalSeconds: 900,
      shards: 4,
      format: 'json',
      startMs: Date.UTC(2026, 2, 1, 22),
      seed: 'abc',
      keepRunning: true,
      logLevel: 'WARN',
      faults: [...FAULT_KINDS],
      faultRate: 0.2,
    });
    expect(quiet).toBe(true);
  });

  it('reads durations in hours, minutes and seconds', () => {
    expect(parseDuration('4h')).toBe(4 * 3_600_000);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('600s')).toBe(600_000);
    expect(parseDuration('45')).toBe(45_000);
    expect(() => parseDuration('soon')).toThrow(UsageError);
  });

  it('turns on every absorbable fault with --faults all, and the opt-in one only by name', () => {
    expect(parseCommandLine(['--faults=all'], env).run.faults).toEqual(ABSORBED_FAULTS);
    expect(ABSORBED_FAULTS).not.toContain('transform-exhausted');
    expect(parseCommandLine(['--faults', 'hub-throttle, s3-write'], env).run.faults).toEqual([
      's3-write',
      'hub-throttle',
    ]);
    expect(parseCommandLine(['--faults=none'], env).run.faults).toBeUndefined();
    expect(parseCommandLine([], env).run).not.toHaveProperty('faults');
    for (const kind of FAULT_KINDS) expect(HELP).toContain(kind);
  });

  it('keeps the functions quiet under injected faults unless a log level is given', () => {
    expect(parseCommandLine(['--faults=all'], env).run.logLevel).toBe('CRITICAL');
    expect(parseCommandLine(['--faults=all', '--log-level=info'], env).run.logLevel).toBe('INFO');
    expect(parseCommandLine([], env).run.logLevel).toBeUndefined();
  });

  it.each([
    [['--faults=gremlins']],
    [['--faults=all', '--fault-rate=0']],
    [['--faults=all', '--fault-rate=1.5']],
    [['--fault-rate=0.5']],
    [['--devices=0']],
    [['--bad-share=1.5']],
    [['--format=csv']],
    [['--window=901']],
    [['--start=yesterday']],
    [['--s3-buffer=x,60']],
    // What package time refuses (processorBufferSizeProblem): outside Firehose's range, or large
    // enough that valid readings could be diverted for the 6 MB response limit.
    [['--processor-buffer=0.1,60']],
    [['--processor-buffer=1,60']],
    [['--processor-buffer=3']],
    [['--log-level=chatty']],
    [['--unknown']],
    [['--bad-share=0.6', '--heartbeat-share=0.6']],
  ])('refuses %j with a usage error', (argv) => {
    expect(() => parseCommandLine(argv, env)).toThrow(UsageError);
  });
});
