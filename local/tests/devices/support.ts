import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeleteThingCommand,
  DescribeEndpointCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import type { IotRegistry } from '../../src/aws/iot-registry';

/** Answers every IoT command the device commands send from the registry simulator. */
export const answerFrom = (iot: ReturnType<typeof iotMock>, registry: IotRegistry) => {
  iot
    .on(CreateThingCommand)
    .callsFake((input) => registry.createThing(input))
    .on(CreateKeysAndCertificateCommand)
    .callsFake((input) => registry.createKeysAndCertificate(input))
    .on(AttachPolicyCommand)
    .callsFake((input) => registry.attachPolicy(input))
    .on(AttachThingPrincipalCommand)
    .callsFake((input) => registry.attachThingPrincipal(input))
    .on(ListThingPrincipalsCommand)
    .callsFake((input) => registry.listThingPrincipals(input))
    .on(ListAttachedPoliciesCommand)
    .callsFake((input) => registry.listAttachedPolicies(input))
    .on(DetachPolicyCommand)
    .callsFake((input) => registry.detachPolicy(input))
    .on(DetachThingPrincipalCommand)
    .callsFake((input) => registry.detachThingPrincipal(input))
    .on(UpdateCertificateCommand)
    .callsFake((input) => registry.updateCertificate(input))
    .on(DeleteCertificateCommand)
    .callsFake((input) => registry.deleteCertificate(input))
    .on(DeleteThingCommand)
    .callsFake((input) => registry.deleteThing(input))
    .on(DescribeEndpointCommand)
    .callsFake((input) => registry.describeEndpoint(input));
  return iot;
};

export const iotMock = () => mockClient(IoTClient);
export const cloudFormationMock = () => mockClient(CloudFormationClient);

/** DescribeStacks as CloudFormation answers it for a deployed ingest-transform stack. */
export const describeIngestStack = (stage: string, outputs: Record<string, string>) => ({
  Stacks: [
    {
      StackName: `ingest-transform-${stage}`,
      StackId: `arn:aws:cloudformation:eu-west-1:123456789012:stack/ingest-transform-${stage}/5b1e4f60-6a2b-11ee-b5c3-0a1b2c3d4e5f`,
      CreationTime: new Date('2026-11-20T09:12:44.000Z'),
      StackStatus: 'UPDATE_COMPLETE' as const,
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({
        OutputKey,
        OutputValue,
        Description: OutputKey,
      })),
    },
  ],
});

export { DescribeStacksCommand };
