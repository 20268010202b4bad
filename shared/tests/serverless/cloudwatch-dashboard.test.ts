import { REJECTION_REASONS } from '../../src';
import { dashboardBodyMetrics, pipelineDashboard } from '../../src/serverless';
import { auditPipelineMetrics } from '../../testing';

const body = () => pipelineDashboard().Properties.DashboardBody['Fn::Sub'];

describe("the stage's CloudWatch dashboard", () => {
  it('draws every rejection reason of the transform, from the metric list', () => {
    const failed = dashboardBodyMetrics(body()).filter(({ name }) => name === 'RecordsFailed');
    expect(failed.map(({ dimensions }) => dimensions.reason)).toEqual([...REJECTION_REASONS]);
  });

  it('draws the hourly books drift, one datapoint an hour as the books function publishes it', () => {
    const drift = dashboardBodyMetrics(body()).filter(({ name }) => name === 'BooksDrift');
    expect(drift).toEqual([
      { namespace: 'IngestionPipeline', name: 'BooksDrift', dimensions: { service: 'report-runner' } },
    ]);
    expect(body()).toContain('"period":3600');
    expect(body()).toContain('report-runner-${sls:stage}-books');
  });

  it('watches only custom metrics some service publishes, with their dimensions', () => {
    const template = { Resources: { Dashboard: pipelineDashboard() } };
    expect(auditPipelineMetrics(template)).toEqual([]);
  });

  it('finds a dashboard metric no service publishes', () => {
    const dashboard = pipelineDashboard();
    const template = {
      Resources: {
        Dashboard: {
          ...dashboard,
          Properties: {
            ...dashboard.Properties,
            DashboardBody: { 'Fn::Sub': body().replace('"WindowRowsWritten"', '"WindowRowsWriten"') },
          },
        },
      },
    };
    expect(auditPipelineMetrics(template)).toEqual([
      'metric: Dashboard: analytics-sink publishes no WindowRowsWriten',
    ]);
  });
});
