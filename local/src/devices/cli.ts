import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exitWith } from '../cli/exit-with';
import { awsDeviceClients, cloudFormationOutputs, sdkIotControl } from './aws';
import { credentialStore } from './credentials';
import { thingNameOf } from './device-id';
import { connectDevice } from './mqtt';
import type { MqttDeviceOptions } from './mqtt';
import { ingestStackName, registerDevice, removeDevice } from './onboarding';
import type { IotControl, ReadingPublisher, StackOutputs } from './ports';
import { deviceTopic, sampleReadings, sendReadings } from './readings';

export const DEVICE_HELP = `Usage: npm run device -- <register|remove|send> <deviceId> --stage <stage> [options]

Connects a device to a deployed stage through AWS IoT Core (README "Connecting a device").

  register <deviceId>  create the IoT thing (or reuse it), an active certificate and key, attach
                       the stack's device policy (output DevicePolicyName of ${ingestStackName('<stage>')})
                       and the thing; save certificate and key under <dir>/<stage>/<deviceId>/
                       (files 0600) and print the data endpoint
  remove <deviceId>    detach, deactivate and delete the thing's certificates, delete the thing
                       and the local folder
  send <deviceId>      publish sample readings over MQTT (TLS, port 8883, QoS 1) with the saved
                       certificate, client id = thing name, on <topic-prefix>/<deviceId>

  --stage <stage>         the deployed stage (required)
  --region <region>       default: the SDK's (AWS_REGION, profile)
  --dir <dir>             credentials folder, default .devices (git-ignored)
  --force                 register: issue a new certificate although one is saved, revoking the old
  --count <n>             send: readings to publish, default 10
  --endpoint <host>       send: default the endpoint register saved
  --port <port>           send: default 8883
  --topic-prefix <p>      send: the stack's iotTopicPrefix, default telemetry
  --site <site>           send: the readings' site, default none
  --ca <file>             send: trust this CA too (a test broker; AWS needs none)`;

const options = {
  stage: { type: 'string' },
  region: { type: 'string' },
  dir: { type: 'string', default: '.devices' },
  force: { type: 'boolean', default: false },
  count: { type: 'string', default: '10' },
  endpoint: { type: 'string' },
  port: { type: 'string', default: '8883' },
  'topic-prefix': { type: 'string', default: 'telemetry' },
  site: { type: 'string' },
  ca: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

/** What the commands talk to; tests swap them for mocks and a local broker. */
export interface DeviceCliDependencies {
  aws: (region: string | undefined) => { iot: IotControl; stack: StackOutputs };
  connect: (options: MqttDeviceOptions) => Promise<ReadingPublisher>;
  now: () => number;
}

const defaults: DeviceCliDependencies = {
  aws: (region) => {
    const clients = awsDeviceClients(region);
    return { iot: sdkIotControl(clients.iot), stack: cloudFormationOutputs(clients.cloudFormation) };
  },
  connect: connectDevice,
  now: Date.now,
};

const positiveInteger = (value: string, name: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive integer`);
  return parsed;
};

/** `device <register|remove|send> <deviceId> --stage <stage> [options]`; returns the exit code. */
export const main = async (
  argv: string[],
  print: (line: string) => void = console.log,
  dependencies: DeviceCliDependencies = defaults,
): Promise<number> => {
  const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  const [command, deviceId] = positionals;
  if (values.help || command === undefined) {
    print(DEVICE_HELP);
    return values.help ? 0 : 2;
  }
  if (!['register', 'remove', 'send'].includes(command) || deviceId === undefined || positionals.length > 2)
    throw new Error('usage: device <register|remove|send> <deviceId> --stage <stage> (--help)');
  const stage = values.stage;
  if (!stage) throw new Error('--stage is required');
  const store = credentialStore(path.resolve(values.dir));

  if (command === 'register') {
    const { iot, stack } = dependencies.aws(values.region);
    const { record, folder, revoked } = await registerDevice(
      { iot, stack, store },
      { deviceId, stage, force: values.force, ...(values.region ? { region: values.region } : {}) },
    );
    print(`registered ${record.thingName}: certificate ${record.certificateId}, policy ${record.policyName}`);
    if (revoked) print(`revoked the previous certificate ${revoked}`);
    print(`credentials: ${folder}`);
    print(`endpoint:    ${record.endpoint} (mqtts, port 8883, client id ${record.thingName})`);
    return 0;
  }

  if (command === 'remove') {
    const { iot } = dependencies.aws(values.region);
    const removal = await removeDevice({ iot, store }, { deviceId, stage });
    print(
      removal.thingDeleted
        ? `removed ${removal.thingName}: ${removal.certificatesDeleted} certificate(s) deleted, thing deleted`
        : `no thing ${removal.thingName} in AWS IoT; local credentials removed`,
    );
    return 0;
  }

  const thingName = thingNameOf(deviceId);
  const record = await store.read(stage, deviceId);
  const host = values.endpoint ?? record?.endpoint;
  if (!host)
    throw new Error(`no endpoint: register ${deviceId} for stage ${stage} first, or pass --endpoint`);
  const count = positiveInteger(values.count, 'count');
  const { cert, key } = await store.credentials(stage, deviceId);
  const publisher = await dependencies.connect({
    host,
    port: positiveInteger(values.port, 'port'),
    clientId: thingName,
    cert,
    key,
    ...(values.ca ? { ca: await readFile(values.ca, 'utf8') } : {}),
  });
  const topic = deviceTopic(values['topic-prefix'], thingName);
  try {
    const sent = await sendReadings(
      publisher,
      topic,
      sampleReadings(deviceId, count, dependencies.now(), values.site),
    );
    print(`published ${sent} reading(s) on ${topic} via ${host} (QoS 1, all acknowledged)`);
  } finally {
    await publisher.close();
  }
  return 0;
};

if (require.main === module) exitWith(() => main(process.argv.slice(2)));
