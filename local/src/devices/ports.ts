/** A certificate and its key pair as CreateKeysAndCertificate returns them (the only time AWS hands out the key). */
export interface IssuedCertificate {
  certificateArn: string;
  certificateId: string;
  certificatePem: string;
  privateKey: string;
}

/** The AWS IoT Core control-plane calls device onboarding makes. */
export interface IotControl {
  /** CreateThing; succeeds again for a thing that already exists with the same configuration. */
  createThing(thingName: string): Promise<void>;
  /** CreateKeysAndCertificate with setAsActive. */
  createActiveCertificate(): Promise<IssuedCertificate>;
  attachPolicy(policyName: string, certificateArn: string): Promise<void>;
  attachThingPrincipal(thingName: string, certificateArn: string): Promise<void>;
  /** The principals (certificate ARNs) attached to a thing; undefined when there is no such thing. */
  thingPrincipals(thingName: string): Promise<string[] | undefined>;
  /** Names of the policies attached to a certificate. */
  attachedPolicies(certificateArn: string): Promise<string[]>;
  detachPolicy(policyName: string, certificateArn: string): Promise<void>;
  detachThingPrincipal(thingName: string, certificateArn: string): Promise<void>;
  deactivateCertificate(certificateId: string): Promise<void>;
  /** DeleteCertificate; retried while a detachment is still propagating. */
  deleteCertificate(certificateId: string): Promise<void>;
  deleteThing(thingName: string): Promise<void>;
  /** DescribeEndpoint of type iot:Data-ATS: the host devices connect to. */
  dataEndpoint(): Promise<string>;
}

/** CloudFormation outputs of a deployed stack (DescribeStacks). */
export interface StackOutputs {
  outputs(stackName: string): Promise<Record<string, string>>;
}

/** An MQTT connection of one device. */
export interface ReadingPublisher {
  /** Publishes with QoS 1: resolves once the broker acknowledged (PUBACK). */
  publish(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}
