import { IdentifierSchema } from '@pipeline/shared';

export class DeviceIdError extends Error {}

// https://docs.aws.amazon.com/iot/latest/apireference/API_CreateThing.html: thingName is 1-128
// characters of [a-zA-Z0-9:_-]. The pipeline's device ids also allow '.', which a thing name
// does not: such a device can send through Kinesis or Kafka, but cannot be an IoT thing.
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

/**
 * The IoT thing name (and MQTT client id) of a device: the device id itself, which must be valid
 * for the pipeline (the raw reading schema) and for AWS IoT.
 */
export const thingNameOf = (deviceId: string): string => {
  const parsed = IdentifierSchema.safeParse(deviceId);
  if (!parsed.success)
    throw new DeviceIdError(
      `${JSON.stringify(deviceId)} is not a device id the pipeline accepts: ${parsed.error.issues[0]?.message}`,
    );
  if (!THING_NAME.test(deviceId))
    throw new DeviceIdError(
      `${JSON.stringify(deviceId)} cannot be an AWS IoT thing name (A-Z a-z 0-9 : _ - only, no '.'); ` +
        'the thing name is the MQTT client id the device policy requires',
    );
  return deviceId;
};

/** The certificate id is the last part of a certificate ARN (`arn:aws:iot:<region>:<account>:cert/<id>`). */
export const certificateIdOf = (principal: string): string | undefined =>
  /:cert\/([a-fA-F0-9]+)$/.exec(principal)?.[1];
