import {
  CertificateStateException,
  DeleteConflictException,
  InvalidRequestException,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { IotRegistry } from '../../src/aws/iot-registry';

const registry = () => {
  const iot = new IotRegistry('eu-west-1', '123456789012');
  iot.createPolicy('devices');
  return iot;
};

describe('IoT registry simulator (AWS IoT API rules)', () => {
  it('refuses thing names outside [a-zA-Z0-9:_-], such as a device id with a dot', () => {
    expect(() => registry().createThing({ thingName: 'dev.0001' })).toThrow(InvalidRequestException);
  });

  it('answers CreateThing again for an existing thing with the same thing', () => {
    const iot = registry();
    const first = iot.createThing({ thingName: 'dev-0001' });
    iot.attachThingPrincipal({
      thingName: 'dev-0001',
      principal: iot.createKeysAndCertificate({ setAsActive: true }).certificateArn,
    });
    expect(iot.createThing({ thingName: 'dev-0001' })).toEqual(first);
    expect(iot.listThingPrincipals({ thingName: 'dev-0001' }).principals).toHaveLength(1);
  });

  it('issues 64-hex certificate ids inside the certificate ARN, with a key pair', () => {
    const issued = registry().createKeysAndCertificate({ setAsActive: true });
    expect(issued.certificateId).toMatch(/^[a-f0-9]{64}$/);
    expect(issued.certificateArn).toBe(`arn:aws:iot:eu-west-1:123456789012:cert/${issued.certificateId}`);
    expect(issued.keyPair).toEqual({ PublicKey: expect.any(String), PrivateKey: expect.any(String) });
  });

  it('attaches only an existing policy', () => {
    const iot = registry();
    const { certificateArn } = iot.createKeysAndCertificate({ setAsActive: true });
    expect(() => iot.attachPolicy({ policyName: 'missing', target: certificateArn })).toThrow(
      ResourceNotFoundException,
    );
  });

  it('deletes a certificate only when inactive and detached, the detachment from the thing showing late', () => {
    const iot = registry();
    iot.createThing({ thingName: 'dev-0001' });
    const { certificateArn, certificateId } = iot.createKeysAndCertificate({ setAsActive: true });
    iot.attachPolicy({ policyName: 'devices', target: certificateArn });
    iot.attachThingPrincipal({ thingName: 'dev-0001', principal: certificateArn });

    expect(() => iot.deleteCertificate({ certificateId })).toThrow(CertificateStateException);
    iot.updateCertificate({ certificateId, newStatus: 'INACTIVE' });
    expect(() => iot.deleteCertificate({ certificateId })).toThrow(DeleteConflictException);
    iot.detachPolicy({ policyName: 'devices', target: certificateArn });
    iot.detachThingPrincipal({ thingName: 'dev-0001', principal: certificateArn });
    iot.listAttachedPolicies({ target: certificateArn });
    // DetachThingPrincipal is asynchronous: the certificate still counts as attached for a while.
    expect(() => iot.deleteCertificate({ certificateId })).toThrow(DeleteConflictException);
    iot.deleteCertificate({ certificateId });
    expect(iot.certificates.size).toBe(0);
  });

  it('returns the account ATS data endpoint for iot:Data-ATS', () => {
    expect(registry().describeEndpoint({ endpointType: 'iot:Data-ATS' }).endpointAddress).toBe(
      'a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com',
    );
  });
});
