import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateKeysAndCertificateCommand,
  DeleteCertificateCommand,
  DeleteConflictException,
  DescribeEndpointCommand,
  IoTClient,
  ListThingPrincipalsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { cloudFormationOutputs, sdkIotControl } from '../../src/devices/aws';
import { cloudFormationMock, describeIngestStack, iotMock } from './support';

const iot = iotMock();
const cloudFormation = cloudFormationMock();
const waits: number[] = [];
const control = () =>
  sdkIotControl(new IoTClient({ region: 'eu-west-1' }), {
    sleep: async (ms) => void waits.push(ms),
    deleteAttempts: 3,
  });
const CERTIFICATE_ID = '4f8a1c2e9b7d3a5f6e0c1b2a3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f67';
const CERTIFICATE_ARN = `arn:aws:iot:eu-west-1:123456789012:cert/${CERTIFICATE_ID}`;

beforeEach(() => {
  iot.reset();
  cloudFormation.reset();
  waits.length = 0;
});

describe('IoT control adapter (AWS SDK)', () => {
  it('asks for an active certificate and returns the key from the response', async () => {
    // https://docs.aws.amazon.com/iot/latest/apireference/API_CreateKeysAndCertificate.html
    iot.on(CreateKeysAndCertificateCommand).resolves({
      certificateArn: CERTIFICATE_ARN,
      certificateId: CERTIFICATE_ID,
      certificatePem: '-----BEGIN CERTIFICATE-----\nMIIDWTCCAkGgAwIBAgIU\n-----END CERTIFICATE-----\n',
      keyPair: {
        PublicKey: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0B\n-----END PUBLIC KEY-----\n',
        PrivateKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n',
      },
    });
    expect(await control().createActiveCertificate()).toEqual({
      certificateArn: CERTIFICATE_ARN,
      certificateId: CERTIFICATE_ID,
      certificatePem: expect.stringContaining('BEGIN CERTIFICATE'),
      privateKey: expect.stringContaining('BEGIN RSA PRIVATE KEY'),
    });
    expect(iot.commandCalls(CreateKeysAndCertificateCommand)[0]?.args[0].input).toEqual({
      setAsActive: true,
    });
  });

  it('asks for the ATS data endpoint', async () => {
    iot
      .on(DescribeEndpointCommand)
      .resolves({ endpointAddress: 'a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com' });
    expect(await control().dataEndpoint()).toBe('a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com');
    expect(iot.commandCalls(DescribeEndpointCommand)[0]?.args[0].input).toEqual({
      endpointType: 'iot:Data-ATS',
    });
  });

  it('lists a thing’s principals across pages, and none for a thing that does not exist', async () => {
    iot
      .on(ListThingPrincipalsCommand, { thingName: 'dev-0001', nextToken: undefined })
      .resolves({ principals: [CERTIFICATE_ARN], nextToken: 'page-2' })
      .on(ListThingPrincipalsCommand, { thingName: 'dev-0001', nextToken: 'page-2' })
      .resolves({ principals: [`${CERTIFICATE_ARN.slice(0, -1)}0`] })
      .on(ListThingPrincipalsCommand, { thingName: 'dev-0404' })
      .rejects(new ResourceNotFoundException({ message: 'Thing dev-0404 does not exist', $metadata: {} }));
    expect(await control().thingPrincipals('dev-0001')).toHaveLength(2);
    expect(await control().thingPrincipals('dev-0404')).toBeUndefined();
  });

  it('retries DeleteCertificate while a detachment propagates, then gives up with the conflict', async () => {
    const conflict = new DeleteConflictException({ message: 'attached', $metadata: {} });
    iot.on(DeleteCertificateCommand).rejectsOnce(conflict).resolves({});
    await control().deleteCertificate(CERTIFICATE_ID);
    expect(iot.commandCalls(DeleteCertificateCommand)).toHaveLength(2);
    expect(waits).toEqual([500]);

    iot.reset();
    iot.on(DeleteCertificateCommand).rejects(conflict);
    await expect(control().deleteCertificate(CERTIFICATE_ID)).rejects.toThrow(DeleteConflictException);
    expect(iot.commandCalls(DeleteCertificateCommand)).toHaveLength(3);
  });
});

describe('stack outputs adapter (CloudFormation)', () => {
  it('maps DescribeStacks outputs by key', async () => {
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'ingest-transform-prod' })
      .resolves(
        describeIngestStack('prod', { DevicePolicyName: 'ingest-transform-prod-DevicePolicy-AbC123' }),
      );
    expect(
      await cloudFormationOutputs(new CloudFormationClient({ region: 'eu-west-1' })).outputs(
        'ingest-transform-prod',
      ),
    ).toEqual({ DevicePolicyName: 'ingest-transform-prod-DevicePolicy-AbC123' });
  });
});
