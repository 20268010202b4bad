import { balanceProblems, expectationProblems, type SourceAccount } from '@pipeline/shared/books';

const account = (overrides: Partial<SourceAccount> = {}): SourceAccount => ({
  produced: 10,
  delivered: 7,
  dropped: { heartbeat: 1 },
  failed: { invalid_json: 2 },
  ...overrides,
});

describe('the books', () => {
  it('balances a source whose produced messages all ended in one column', () => {
    expect(balanceProblems({ devices: account(), kafka: account() })).toEqual([]);
  });

  it('names the source and the columns when produced is not delivered + dropped + failed', () => {
    expect(balanceProblems({ devices: account({ delivered: 5 }), kafka: account() })).toEqual([
      'devices: produced 10 but delivered 5 + dropped 1 + failed 2 = 8',
    ]);
  });

  it('checks every column against what the producer expected, reason by reason', () => {
    const expected = { delivered: 7, dropped: { heartbeat: 1 }, failed: { invalid_json: 2 } };
    expect(expectationProblems('devices', account(), expected)).toEqual([]);
    expect(
      expectationProblems('kafka', account({ delivered: 6, failed: { invalid_json: 3 } }), expected),
    ).toEqual([
      'kafka: expected 7 delivered, the lake holds 6',
      'kafka: expected failed invalid_json 2, got invalid_json 3',
    ]);
  });

  it('accepts records missing from their expected column when whole failed batches explain them', () => {
    const expected = { delivered: 8, dropped: { heartbeat: 1 }, failed: { invalid_json: 2 } };
    const observed = account({ failed: { invalid_json: 2, 'Lambda.FunctionError': 1 } });
    const batchFailures = { errorCode: 'Lambda.FunctionError', records: 1 };
    expect(expectationProblems('devices', observed, expected, batchFailures)).toEqual([]);
    expect(
      expectationProblems(
        'devices',
        account({ delivered: 6, failed: observed.failed }),
        expected,
        batchFailures,
      ),
    ).toEqual([
      'devices: 2 records short of what the fleet expected, 1 explained by exhausted transform batches',
    ]);
  });
});
