import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { alertSubject, type ThresholdAlert } from '../domain/alerts';
import type { AlertPublisher } from '../domain/flush-segment';

/**
 * Publishes alerts to a standard SNS topic: the JSON alert as the message, a short subject for
 * e-mail subscribers, and the alert id, device, rule and metric as message attributes so
 * subscribers can filter (subscription filter policies) and drop copies by id.
 */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: ThresholdAlert): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: alertSubject(alert),
        Message: JSON.stringify(alert),
        MessageAttributes: {
          alert_id: attribute(alert.alertId),
          device_id: attribute(alert.deviceId),
          rule_id: attribute(alert.rule.id),
          metric: attribute(alert.rule.metric),
        },
      }),
    );
  }
}
