import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsAlertPublisher } from '../src/adapters/sns-alert-publisher';
import { alertSubject } from '../src/domain/alerts';
import { loadEvent } from './events';
import { invoke } from './scenario';
import { sinkSettings } from './settings';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:analytics-sink-dev-alerts';
const sns = mockClient(SNSClient);
const alerts = () => invoke(loadEvent('window-4-final'), sinkSettings()).flush!.alerts;

describe('SnsAlertPublisher', () => {
  beforeEach(() => sns.reset());

  it('publishes the alert as JSON with a short subject and filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const alert = alerts()[1]!;

    await new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC).publish(alert);

    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toEqual({
      TopicArn: TOPIC,
      Subject: 'dev-0003: temperature 85.5 above 80',
      Message: JSON.stringify(alert),
      MessageAttributes: {
        alert_id: { DataType: 'String', StringValue: alert.alertId },
        device_id: { DataType: 'String', StringValue: 'dev-0003' },
        rule_id: { DataType: 'String', StringValue: 'temperature_above_80' },
        metric: { DataType: 'String', StringValue: 'temperature' },
      },
    });
    expect(JSON.parse(input.Message!)).toMatchObject({
      type: 'realtime.threshold_alert',
      evidence: { observed: 85.5 },
    });
  });

  it('rejects when SNS does, so the alert is retried', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));
    await expect(
      new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC).publish(alerts()[0]!),
    ).rejects.toThrow('Rate exceeded');
  });

  it('keeps subjects ASCII and under the 100-character SNS limit', () => {
    const alert = { ...alerts()[0]!, deviceId: `device-${'x'.repeat(120)}` };
    const subject = alertSubject(alert);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});
