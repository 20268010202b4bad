import { setTimeout as sleep } from 'node:timers/promises';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeleteConflictException,
  DeleteThingCommand,
  DescribeEndpointCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
  ResourceNotFoundException,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import type { IotControl, StackOutputs } from './ports';

const required = <T>(value: T | undefined, what: string): T => {
  if (value === undefined || value === null || value === '') throw new Error(`AWS IoT returned no ${what}`);
  return value;
};

export interface IotControlOptions {
  /** Waits between DeleteCertificate attempts (tests pass a no-op). */
  sleep?: (ms: number) => Promise<unknown>;
  /** DeleteCertificate attempts while a detachment propagates. */
  deleteAttempts?: number;
}

/** IotControl on the AWS SDK. https://docs.aws.amazon.com/iot/latest/apireference/ */
export const sdkIotControl = (
  client: IoTClient,
  { sleep: wait = sleep, deleteAttempts = 8 }: IotControlOptions = {},
): IotControl => ({
  async createThing(thingName) {
    await client.send(new CreateThingCommand({ thingName }));
  },
  // https://docs.aws.amazon.com/iot/latest/apireference/API_CreateKeysAndCertificate.html: the
  // response is the only time AWS IoT hands out the private key.
  async createActiveCertificate() {
    const issued = await client.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    return {
      certificateArn: required(issued.certificateArn, 'certificateArn'),
      certificateId: required(issued.certificateId, 'certificateId'),
      certificatePem: required(issued.certificatePem, 'certificatePem'),
      privateKey: required(issued.keyPair?.PrivateKey, 'keyPair.PrivateKey'),
    };
  },
  async attachPolicy(policyName, certificateArn) {
    await client.send(new AttachPolicyCommand({ policyName, target: certificateArn }));
  },
  async attachThingPrincipal(thingName, certificateArn) {
    await client.send(new AttachThingPrincipalCommand({ thingName, principal: certificateArn }));
  },
  async thingPrincipals(thingName) {
    const principals: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await client.send(new ListThingPrincipalsCommand({ thingName, nextToken }));
        principals.push(...(page.principals ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
    return principals;
  },
  async attachedPolicies(certificateArn) {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new ListAttachedPoliciesCommand({ target: certificateArn, marker }));
      names.push(...(page.policies ?? []).flatMap(({ policyName }) => (policyName ? [policyName] : [])));
      marker = page.nextMarker;
    } while (marker);
    return names;
  },
  async detachPolicy(policyName, certificateArn) {
    await client.send(new DetachPolicyCommand({ policyName, target: certificateArn }));
  },
  async detachThingPrincipal(thingName, certificateArn) {
    await client.send(new DetachThingPrincipalCommand({ thingName, principal: certificateArn }));
  },
  async deactivateCertificate(certificateId) {
    await client.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
  },
  // A certificate with a policy or thing attached, or still ACTIVE, cannot be deleted, and
  // DetachThingPrincipal "is asynchronous. It might take several seconds for the detachment to
  // propagate": DeleteConflictException is retried with a growing wait.
  // https://docs.aws.amazon.com/iot/latest/apireference/API_DeleteCertificate.html
  // https://docs.aws.amazon.com/iot/latest/apireference/API_DetachThingPrincipal.html
  async deleteCertificate(certificateId) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.send(new DeleteCertificateCommand({ certificateId }));
        return;
      } catch (error) {
        if (!(error instanceof DeleteConflictException) || attempt >= deleteAttempts) throw error;
        await wait(Math.min(500 * 2 ** (attempt - 1), 8000));
      }
    }
  },
  async deleteThing(thingName) {
    await client.send(new DeleteThingCommand({ thingName }));
  },
  // iot:Data-ATS is the endpoint type AWS recommends (Amazon Trust Services certificates).
  // https://docs.aws.amazon.com/iot/latest/apireference/API_DescribeEndpoint.html
  async dataEndpoint() {
    const { endpointAddress } = await client.send(
      new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }),
    );
    return required(endpointAddress, 'endpointAddress');
  },
});

/** Stack outputs through DescribeStacks. */
export const cloudFormationOutputs = (client: CloudFormationClient): StackOutputs => ({
  async outputs(stackName) {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).flatMap(({ OutputKey, OutputValue }) =>
        OutputKey && OutputValue !== undefined ? [[OutputKey, OutputValue]] : [],
      ),
    );
  },
});

export const awsDeviceClients = (region: string | undefined) => {
  const config = region ? { region } : {};
  return { iot: new IoTClient(config), cloudFormation: new CloudFormationClient(config) };
};
