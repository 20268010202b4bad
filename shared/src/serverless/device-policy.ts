/**
 * The AWS IoT Core policy every device certificate gets: a thing may connect only with its own
 * name as MQTT client id and publish only on `<topicPrefix>/<its name>`, and only while its
 * certificate is attached to it. One policy serves the whole fleet through the thing policy
 * variable, which IoT Core fills in per connection.
 */
import { sub } from './intrinsics';
import type { CfnResource } from './resources';

/**
 * Resolves to the name of the thing whose certificate authenticated the connection; the MQTT
 * client id must equal it. https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html
 */
export const THING_NAME_VARIABLE = '${iot:Connection.Thing.ThingName}';

// `${...}` is variable syntax to osls and to Fn::Sub alike. Fn::Sub writes `${!x}` as the literal
// `${x}` (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html)
// and osls leaves `${!...}` alone, so the variable reaches IoT Core as written.
const literalThingName = THING_NAME_VARIABLE.replace('${', '${!');

const iotArn = (resource: string) =>
  sub(`arn:\${AWS::Partition}:iot:\${AWS::Region}:\${AWS::AccountId}:${resource}`);

/**
 * The policy document. AWS recommends thing policy variables for Connect with the
 * `iot:Connection.Thing.IsAttached` condition, so a certificate not attached to the thing gets
 * nothing (https://docs.aws.amazon.com/iot/latest/developerguide/connect-policy.html), and a
 * publish resource per thing (https://docs.aws.amazon.com/iot/latest/developerguide/connect-and-pub.html).
 */
export const devicePolicyDocument = (topicPrefix: string) => {
  const attached = { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConnectAsOwnThing',
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: iotArn(`client/${literalThingName}`),
        Condition: attached,
      },
      {
        Sid: 'PublishOnOwnTopic',
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: iotArn(`topic/${topicPrefix}/${literalThingName}`),
        Condition: attached,
      },
    ],
  };
};

/**
 * The `AWS::IoT::Policy` resource, created only under `condition`. CloudFormation names it; its
 * `Ref` is the name that AttachPolicy takes.
 */
export const devicePolicy = ({
  topicPrefix,
  condition,
}: {
  topicPrefix: string;
  condition: string;
}): CfnResource => ({
  Type: 'AWS::IoT::Policy',
  Condition: condition,
  Properties: { PolicyDocument: devicePolicyDocument(topicPrefix) },
});
