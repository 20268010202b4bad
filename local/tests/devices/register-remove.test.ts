import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { IotRegistry } from '../../src/aws/iot-registry';
import { cloudFormationOutputs, sdkIotControl } from '../../src/devices/aws';
import { main } from '../../src/devices/cli';
import type { DeviceCliDependencies } from '../../src/devices/cli';
import { answerFrom, cloudFormationMock, describeIngestStack, iotMock } from './support';

const POLICY = 'ingest-transform-dev-DevicePolicy-1A2B3C4D5E6F';
const iot = iotMock();
const cloudFormation = cloudFormationMock();
let registry: IotRegistry;
let dir: string;
let printed: string[];

const dependencies: DeviceCliDependencies = {
  aws: () => ({
    iot: sdkIotControl(new IoTClient({ region: 'eu-west-1' }), { sleep: async () => undefined }),
    stack: cloudFormationOutputs(new CloudFormationClient({ region: 'eu-west-1' })),
  }),
  connect: () => Promise.reject(new Error('no MQTT in these tests')),
  now: () => Date.parse('2026-12-06T10:00:00Z'),
};
const run = (...argv: string[]) =>
  main([...argv, '--dir', dir], (line) => void printed.push(line), dependencies);
const mode = async (file: string) => (await stat(file)).mode & 0o777;

beforeEach(async () => {
  iot.reset();
  cloudFormation.reset();
  registry = new IotRegistry('eu-west-1', '123456789012');
  registry.createPolicy(POLICY);
  answerFrom(iot, registry);
  cloudFormation.on(DescribeStacksCommand, { StackName: 'ingest-transform-dev' }).resolves(
    describeIngestStack('dev', {
      HubStreamName: 'ingest-transform-dev-telemetry',
      DevicePolicyName: POLICY,
    }),
  );
  printed = [];
  dir = await mkdtemp(path.join(tmpdir(), 'devices-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('npm run device -- register / remove', () => {
  it('creates the thing and an active certificate with the stack policy, saving key and certificate 0600 in a 0700 folder', async () => {
    expect(await run('register', 'dev-0001', '--stage', 'dev', '--region', 'eu-west-1')).toBe(0);

    const [certificateId] = [...registry.certificates.keys()];
    const certificate = registry.certificates.get(certificateId!)!;
    expect(certificate.status).toBe('ACTIVE');
    expect([...certificate.policies]).toEqual([POLICY]);
    expect([...registry.things.get('dev-0001')!]).toEqual([certificate.arn]);

    const folder = path.join(dir, 'dev', 'dev-0001');
    expect((await readdir(folder)).sort()).toEqual([
      'AmazonRootCA.txt',
      'certificate.pem.crt',
      'device.json',
      'private.pem.key',
    ]);
    for (const folderOnTheWay of [dir, path.join(dir, 'dev'), folder])
      expect(await mode(folderOnTheWay)).toBe(0o700);
    for (const file of await readdir(folder)) expect(await mode(path.join(folder, file))).toBe(0o600);
    expect(await readFile(path.join(folder, 'private.pem.key'), 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    expect(JSON.parse(await readFile(path.join(folder, 'device.json'), 'utf8'))).toEqual({
      deviceId: 'dev-0001',
      thingName: 'dev-0001',
      stage: 'dev',
      region: 'eu-west-1',
      certificateId,
      certificateArn: certificate.arn,
      policyName: POLICY,
      endpoint: 'a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com',
    });
    expect(await readFile(path.join(folder, 'AmazonRootCA.txt'), 'utf8')).toContain(
      'https://www.amazontrust.com/repository/AmazonRootCA1.pem',
    );
    expect(printed).toContain(
      'endpoint:    a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com (mqtts, port 8883, client id dev-0001)',
    );
  });

  it('refuses to overwrite saved credentials without --force, before calling AWS', async () => {
    await run('register', 'dev-0001', '--stage', 'dev');
    const key = await readFile(path.join(dir, 'dev', 'dev-0001', 'private.pem.key'), 'utf8');
    const calls = iot.calls().length;

    await expect(run('register', 'dev-0001', '--stage', 'dev')).rejects.toThrow(
      /already holds credentials.*--force/,
    );
    expect(iot.calls()).toHaveLength(calls);
    expect(await readFile(path.join(dir, 'dev', 'dev-0001', 'private.pem.key'), 'utf8')).toBe(key);
  });

  it('with --force reuses the thing, issues a new certificate and revokes the saved one', async () => {
    await run('register', 'dev-0001', '--stage', 'dev');
    const [first] = [...registry.certificates.keys()];

    expect(await run('register', 'dev-0001', '--stage', 'dev', '--force')).toBe(0);
    const [second] = [...registry.certificates.keys()];
    expect(second).not.toBe(first);
    expect(registry.certificates.size).toBe(1);
    expect([...registry.things.get('dev-0001')!]).toEqual([registry.certificates.get(second!)!.arn]);
    expect(iot.commandCalls(CreateThingCommand)).toHaveLength(2);
    const record = JSON.parse(await readFile(path.join(dir, 'dev', 'dev-0001', 'device.json'), 'utf8'));
    expect(record.certificateId).toBe(second);
    expect(await mode(path.join(dir, 'dev', 'dev-0001', 'private.pem.key'))).toBe(0o600);
  });

  it('reuses a thing that already exists in AWS IoT', async () => {
    registry.createThing({ thingName: 'dev-0001' });
    expect(await run('register', 'dev-0001', '--stage', 'dev')).toBe(0);
    expect(registry.things.get('dev-0001')?.size).toBe(1);
  });

  it('refuses a device id the pipeline accepts but AWS IoT cannot name a thing (a dot), calling nothing', async () => {
    await expect(run('register', 'dev.0001', '--stage', 'dev')).rejects.toThrow(
      /cannot be an AWS IoT thing name/,
    );
    await expect(run('register', 'dev 0001', '--stage', 'dev')).rejects.toThrow(
      /not a device id the pipeline accepts/,
    );
    expect(iot.calls()).toHaveLength(0);
    expect(cloudFormation.calls()).toHaveLength(0);
  });

  it('names the missing output when the stack was deployed without the IoT rule', async () => {
    cloudFormation.reset();
    cloudFormation.on(DescribeStacksCommand).resolves(describeIngestStack('dev', { HubStreamName: 'x' }));
    await expect(run('register', 'dev-0001', '--stage', 'dev')).rejects.toThrow(
      /ingest-transform-dev has no output DevicePolicyName: deploy ingest-transform with iotRuleEnabled=true/,
    );
    expect(iot.calls()).toHaveLength(0);
  });

  it('remove detaches, deactivates and deletes every certificate, then the thing and the local folder', async () => {
    await run('register', 'dev-0001', '--stage', 'dev');
    expect(await run('remove', 'dev-0001', '--stage', 'dev')).toBe(0);
    expect(registry.certificates.size).toBe(0);
    expect(registry.things.has('dev-0001')).toBe(false);
    await expect(stat(path.join(dir, 'dev', 'dev-0001'))).rejects.toThrow(/ENOENT/);
    expect(printed.at(-1)).toBe('removed dev-0001: 1 certificate(s) deleted, thing deleted');

    expect(await run('remove', 'dev-0001', '--stage', 'dev')).toBe(0);
    expect(printed.at(-1)).toBe('no thing dev-0001 in AWS IoT; local credentials removed');
  });
});
