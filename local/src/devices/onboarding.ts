import { certificateIdOf, thingNameOf } from './device-id';
import type { CredentialStore, DeviceRecord } from './credentials';
import type { IotControl, StackOutputs } from './ports';

/** The ingest-transform stack of a stage, as osls names it. */
export const ingestStackName = (stage: string) => `ingest-transform-${stage}`;
export const DEVICE_POLICY_OUTPUT = 'DevicePolicyName';

export interface OnboardingPorts {
  iot: IotControl;
  stack: StackOutputs;
  store: CredentialStore;
}

export interface RegisterRequest {
  deviceId: string;
  stage: string;
  region?: string;
  /** Issue a new certificate although this folder holds one; the old certificate is revoked. */
  force?: boolean;
}

export interface Registration {
  record: DeviceRecord;
  folder: string;
  /** The certificate a forced re-registration replaced (detached, deactivated, deleted). */
  revoked?: string;
}

/**
 * Detaches a certificate from its policies and thing, deactivates and deletes it: the order
 * DeleteCertificate requires (https://docs.aws.amazon.com/iot/latest/apireference/API_DeleteCertificate.html).
 */
const revokeCertificate = async (iot: IotControl, thingName: string, certificateArn: string) => {
  const certificateId = certificateIdOf(certificateArn);
  for (const policyName of certificateId ? await iot.attachedPolicies(certificateArn) : [])
    await iot.detachPolicy(policyName, certificateArn);
  await iot.detachThingPrincipal(thingName, certificateArn);
  if (!certificateId) return;
  await iot.deactivateCertificate(certificateId);
  await iot.deleteCertificate(certificateId);
};

/**
 * Creates (or reuses) the device's thing, issues an active certificate, saves it with its key at
 * once (AWS hands the key out only in this response), attaches the stack's device policy and
 * the thing, and looks up the data endpoint. Refuses to replace saved credentials unless forced.
 */
export const registerDevice = async (
  { iot, stack, store }: OnboardingPorts,
  { deviceId, stage, region, force = false }: RegisterRequest,
): Promise<Registration> => {
  const thingName = thingNameOf(deviceId);
  const previous = await store.read(stage, deviceId);
  if ((previous || (await store.hasKey(stage, deviceId))) && !force)
    throw new Error(
      `${store.folderOf(stage, deviceId)} already holds credentials of ${deviceId}; ` +
        '--force issues a new certificate and revokes the saved one',
    );
  const stackName = ingestStackName(stage);
  const policyName = (await stack.outputs(stackName))[DEVICE_POLICY_OUTPUT];
  if (!policyName)
    throw new Error(
      `stack ${stackName} has no output ${DEVICE_POLICY_OUTPUT}: deploy ingest-transform with iotRuleEnabled=true`,
    );

  await iot.createThing(thingName);
  const certificate = await iot.createActiveCertificate();
  const record: DeviceRecord = {
    deviceId,
    thingName,
    stage,
    ...(region ? { region } : {}),
    certificateId: certificate.certificateId,
    certificateArn: certificate.certificateArn,
    policyName,
  };
  const folder = await store.save(record, certificate, force);
  await iot.attachPolicy(policyName, certificate.certificateArn);
  await iot.attachThingPrincipal(thingName, certificate.certificateArn);
  const revoked =
    previous && previous.certificateArn !== certificate.certificateArn ? previous.certificateArn : undefined;
  if (revoked) await revokeCertificate(iot, thingName, revoked);
  const registered = { ...record, endpoint: await iot.dataEndpoint() };
  await store.update(registered);
  return { record: registered, folder, ...(revoked ? { revoked } : {}) };
};

export interface Removal {
  thingName: string;
  certificatesDeleted: number;
  thingDeleted: boolean;
}

/** Revokes every certificate attached to the device's thing, deletes the thing and the local folder. */
export const removeDevice = async (
  { iot, store }: Pick<OnboardingPorts, 'iot' | 'store'>,
  { deviceId, stage }: { deviceId: string; stage: string },
): Promise<Removal> => {
  const thingName = thingNameOf(deviceId);
  const principals = await iot.thingPrincipals(thingName);
  for (const principal of principals ?? []) await revokeCertificate(iot, thingName, principal);
  if (principals) await iot.deleteThing(thingName);
  await store.remove(stage, deviceId);
  return {
    thingName,
    certificatesDeleted: (principals ?? []).filter((principal) => certificateIdOf(principal)).length,
    thingDeleted: principals !== undefined,
  };
};
