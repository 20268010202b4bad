import { parseStageConfig, readStageConfigs, StageConfigError, withStageConfigs } from '../../src/serverless';

const parse = (text: string) => parseStageConfig('prod', 'config/prod.yml', text);

describe('a stage file', () => {
  it('gives every service the shared values and its own section, as strings like --param', () => {
    const config = parse(
      'region: eu-west-1\nparams:\n  logLevel: WARN\n  shardCount: 4\nservices:\n  report-runner:\n    batchSize: 20\n',
    );
    expect(config).toEqual({
      stage: 'prod',
      file: 'config/prod.yml',
      region: 'eu-west-1',
      params: { logLevel: 'WARN', shardCount: '4' },
      services: { 'report-runner': { batchSize: '20' } },
    });
  });

  it.each([
    ['an unknown top-level key', 'param:\n  logLevel: WARN\n', /unknown key param/],
    [
      'an empty value (osls refuses --param name=)',
      'params:\n  registryKey: ""\n',
      /registryKey is empty; write none/,
    ],
    ['a nested value', 'params:\n  logLevel:\n    a: 1\n', /logLevel must be a single value/],
    ['a region that is not a name', 'region: [eu-west-1]\n', /region must be a region name/],
  ])('is refused with %s', (_what, text, message) => {
    expect(() => parse(text)).toThrow(StageConfigError);
    expect(() => parse(text)).toThrow(message);
  });
});

describe('withStageConfigs', () => {
  const own = { default: { logLevel: 'INFO', batchSize: '10' }, local: { batchSize: '1' } };

  it("adds one osls parameter set per stage file, keeping the service's own stage set on top", () => {
    const configs = {
      prod: parse(
        'params:\n  logLevel: WARN\n  warehouse: none\nservices:\n  report-runner:\n    batchSize: 20\n',
      ),
      local: parseStageConfig('local', 'config/local.yml', 'params:\n  logLevel: DEBUG\n  batchSize: 5\n'),
    };
    expect(withStageConfigs('report-runner', own, configs)).toEqual({
      default: own.default,
      // warehouse is not a parameter of this service: a shared value only reaches those that declare it.
      prod: { logLevel: 'WARN', batchSize: '20' },
      local: { logLevel: 'DEBUG', batchSize: '1' },
    });
  });

  it("refuses a name in a service's own section that the service does not declare", () => {
    const configs = { prod: parse('services:\n  report-runner:\n    batchSzie: 20\n') };
    expect(() => withStageConfigs('report-runner', own, configs)).toThrow(
      'config/prod.yml: services.report-runner has no parameter batchSzie',
    );
  });

  it('reads the shipped example, which every service accepts', () => {
    const { example } = readStageConfigs();
    expect(example?.region).toBe('eu-west-1');
  });
});
