import { cliParam } from '../src/serverless';

describe('cliParam', () => {
  it('reads --param name=value and --param=name=value, the last one winning', () => {
    const argv = ['node', 'sls', 'package', '--param', 'a=1', '--param=b=x=y', '--param', 'a=2'];
    expect(cliParam('a', argv)).toBe('2');
    expect(cliParam('b', argv)).toBe('x=y');
    expect(cliParam('c', argv)).toBeUndefined();
    expect(cliParam('a', ['--param="a=3"'])).toBe('3');
  });
});
