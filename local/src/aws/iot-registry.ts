import { createHash } from 'node:crypto';
import {
  CertificateStateException,
  DeleteConflictException,
  InvalidRequestException,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import type {
  AttachPolicyCommandInput,
  AttachThingPrincipalCommandInput,
  CreateKeysAndCertificateCommandOutput,
  CreateThingCommandInput,
  CreateThingCommandOutput,
  DeleteCertificateCommandInput,
  DeleteThingCommandInput,
  DescribeEndpointCommandInput,
  DetachPolicyCommandInput,
  DetachThingPrincipalCommandInput,
  ListAttachedPoliciesCommandInput,
  ListThingPrincipalsCommandInput,
  UpdateCertificateCommandInput,
} from '@aws-sdk/client-iot';

const meta = { $metadata: {} };
const notFound = (message: string) => new ResourceNotFoundException({ message, ...meta });
// https://docs.aws.amazon.com/iot/latest/apireference/API_CreateThing.html
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

interface Certificate {
  arn: string;
  pem: string;
  status: 'ACTIVE' | 'INACTIVE';
  policies: Set<string>;
}

export interface IotKeyMaterial {
  certificatePem: string;
  publicKey: string;
  privateKey: string;
}

/**
 * The AWS IoT Core registry as the device commands use it, in the SDK's request and response
 * shapes and with the rules of the API reference that the onboarding flow depends on
 * (https://docs.aws.amazon.com/iot/latest/apireference/): thing names of [a-zA-Z0-9:_-];
 * CreateThing succeeds again for the same name and configuration; attaching needs an existing
 * policy, certificate and thing; DeleteCertificate refuses an ACTIVE certificate
 * (CertificateStateException) and one with a policy or thing attached (DeleteConflictException);
 * DetachThingPrincipal is asynchronous, so a detachment becomes visible only after later requests.
 * Tests answer an aws-sdk-client-mock IoTClient with it.
 */
export class IotRegistry {
  readonly things = new Map<string, Set<string>>();
  readonly certificates = new Map<string, Certificate>();
  readonly policies = new Set<string>();
  private pendingDetachments: { thingName: string; principal: string; callsLeft: number }[] = [];
  private issued = 0;

  constructor(
    private readonly region: string,
    private readonly account: string,
    /** Requests after DetachThingPrincipal before the detachment shows ("several seconds" in AWS). */
    private readonly detachmentDelay = 2,
    /** Key material for each new certificate; the default is placeholder text. */
    private readonly keys: () => IotKeyMaterial = () => ({
      certificatePem: `-----BEGIN CERTIFICATE-----\nMII${this.issued}\n-----END CERTIFICATE-----\n`,
      publicKey: `-----BEGIN PUBLIC KEY-----\nMII${this.issued}\n-----END PUBLIC KEY-----\n`,
      privateKey: `-----BEGIN RSA PRIVATE KEY-----\nMII${this.issued}\n-----END RSA PRIVATE KEY-----\n`,
    }),
  ) {}

  /** Counts a request: a detachment becomes visible only after `detachmentDelay` later requests. */
  private propagate() {
    for (const pending of this.pendingDetachments)
      if (pending.callsLeft-- === 0) this.things.get(pending.thingName)?.delete(pending.principal);
    this.pendingDetachments = this.pendingDetachments.filter(({ callsLeft }) => callsLeft >= 0);
  }

  private certificate(certificateId: string | undefined): Certificate {
    const found = certificateId && this.certificates.get(certificateId);
    if (!found) throw notFound(`Certificate ${certificateId} does not exist`);
    return found;
  }

  private certificateByArn(arn: string | undefined): Certificate {
    const found = [...this.certificates.values()].find((certificate) => certificate.arn === arn);
    if (!found) throw notFound(`Principal ${arn} does not exist`);
    return found;
  }

  private thing(thingName: string | undefined): Set<string> {
    const found = thingName !== undefined && this.things.get(thingName);
    if (!found) throw notFound(`Thing ${thingName} does not exist`);
    return found;
  }

  /**
   * The thing a connection authenticates as, as IoT Core decides it: the client id names a thing
   * to which the presented, active certificate is attached; undefined otherwise.
   */
  connectingThing(certificatePem: string, clientId: string): string | undefined {
    const certificate = [...this.certificates.values()].find(
      ({ pem }) => pem.trim() === certificatePem.trim(),
    );
    if (!certificate || certificate.status !== 'ACTIVE') return undefined;
    return this.things.get(clientId)?.has(certificate.arn) ? clientId : undefined;
  }

  createPolicy(policyName: string) {
    this.policies.add(policyName);
  }

  createThing({ thingName = '' }: CreateThingCommandInput): CreateThingCommandOutput {
    this.propagate();
    if (!THING_NAME.test(thingName))
      throw new InvalidRequestException({ message: `Thing name ${thingName} is invalid`, ...meta });
    if (!this.things.has(thingName)) this.things.set(thingName, new Set());
    return {
      thingName,
      thingArn: `arn:aws:iot:${this.region}:${this.account}:thing/${thingName}`,
      thingId: createHash('md5').update(thingName).digest('hex'),
      ...meta,
    };
  }

  createKeysAndCertificate({
    setAsActive = false,
  }: {
    setAsActive?: boolean;
  }): CreateKeysAndCertificateCommandOutput {
    this.propagate();
    this.issued += 1;
    const certificateId = createHash('sha256').update(`certificate-${this.issued}`).digest('hex');
    const arn = `arn:aws:iot:${this.region}:${this.account}:cert/${certificateId}`;
    const { certificatePem, publicKey, privateKey } = this.keys();
    this.certificates.set(certificateId, {
      arn,
      pem: certificatePem,
      status: setAsActive ? 'ACTIVE' : 'INACTIVE',
      policies: new Set(),
    });
    return {
      certificateArn: arn,
      certificateId,
      certificatePem,
      keyPair: { PublicKey: publicKey, PrivateKey: privateKey },
      ...meta,
    };
  }

  attachPolicy({ policyName = '', target }: AttachPolicyCommandInput) {
    this.propagate();
    if (!this.policies.has(policyName)) throw notFound(`Policy ${policyName} does not exist`);
    this.certificateByArn(target).policies.add(policyName);
    return meta;
  }

  attachThingPrincipal({ thingName, principal }: AttachThingPrincipalCommandInput) {
    this.propagate();
    this.certificateByArn(principal);
    this.thing(thingName).add(principal!);
    return meta;
  }

  listThingPrincipals({ thingName }: ListThingPrincipalsCommandInput) {
    this.propagate();
    return { principals: [...this.thing(thingName)], ...meta };
  }

  listAttachedPolicies({ target }: ListAttachedPoliciesCommandInput) {
    this.propagate();
    const { policies } = this.certificateByArn(target);
    return {
      policies: [...policies].map((policyName) => ({
        policyName,
        policyArn: `arn:aws:iot:${this.region}:${this.account}:policy/${policyName}`,
      })),
      ...meta,
    };
  }

  detachPolicy({ policyName = '', target }: DetachPolicyCommandInput) {
    this.propagate();
    this.certificateByArn(target).policies.delete(policyName);
    return meta;
  }

  detachThingPrincipal({ thingName, principal }: DetachThingPrincipalCommandInput) {
    this.propagate();
    this.thing(thingName);
    this.pendingDetachments.push({
      thingName: thingName!,
      principal: principal!,
      callsLeft: this.detachmentDelay,
    });
    return meta;
  }

  updateCertificate({ certificateId, newStatus }: UpdateCertificateCommandInput) {
    this.propagate();
    const certificate = this.certificate(certificateId);
    if (newStatus === 'ACTIVE' || newStatus === 'INACTIVE') certificate.status = newStatus;
    return meta;
  }

  // https://docs.aws.amazon.com/iot/latest/apireference/API_DeleteCertificate.html
  deleteCertificate({ certificateId }: DeleteCertificateCommandInput) {
    this.propagate();
    const certificate = this.certificate(certificateId);
    const attachedToThing = [...this.things.values()].some((principals) => principals.has(certificate.arn));
    if (certificate.status === 'ACTIVE')
      throw new CertificateStateException({ message: 'Certificate is active', ...meta });
    if (certificate.policies.size > 0 || attachedToThing)
      throw new DeleteConflictException({ message: 'Certificate is attached to a policy or thing', ...meta });
    this.certificates.delete(certificateId!);
    return meta;
  }

  deleteThing({ thingName = '' }: DeleteThingCommandInput) {
    this.propagate();
    this.things.delete(thingName);
    return meta;
  }

  // https://docs.aws.amazon.com/iot/latest/apireference/API_DescribeEndpoint.html
  describeEndpoint({ endpointType }: DescribeEndpointCommandInput) {
    this.propagate();
    if (endpointType !== 'iot:Data-ATS')
      throw new InvalidRequestException({ message: `Endpoint type ${endpointType} not modelled`, ...meta });
    return { endpointAddress: `a1b2c3d4e5f6g7-ats.iot.${this.region}.amazonaws.com`, ...meta };
  }
}
