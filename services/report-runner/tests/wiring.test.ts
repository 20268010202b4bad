import { createRunnerDependencies } from '../src/wiring';
import { runnerEnvironment } from './support/environment';

const env = runnerEnvironment;

describe('the AWS wiring of the dashboard', () => {
  it('publishes it on a stage without a warehouse, from the report outputs and the real-time tables', () => {
    const { dashboard, runner } = createRunnerDependencies(env);
    expect(runner.warehouse).toBeUndefined();
    expect(dashboard).toMatchObject({
      environment: 'dev',
      source: { readFrom: 'the report outputs and the real-time tables' },
    });
    expect(dashboard?.warehouse).toBeUndefined();
  });

  it('publishes none when disabled', () => {
    expect(createRunnerDependencies({ ...env, DASHBOARD: 'disabled' }).dashboard).toBeUndefined();
  });
});
