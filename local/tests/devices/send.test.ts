import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { IoTClient } from '@aws-sdk/client-iot';
import { RawReadingSchema } from '@pipeline/shared';
import { devicePolicyDocument } from '@pipeline/shared/serverless';
import { resolveSubs } from '@pipeline/shared/testing';
import { IotRegistry } from '../../src/aws/iot-registry';
import { cloudFormationOutputs, sdkIotControl } from '../../src/devices/aws';
import { main } from '../../src/devices/cli';
import type { DeviceCliDependencies } from '../../src/devices/cli';
import { connectDevice } from '../../src/devices/mqtt';
import { startIotBroker } from './iot-broker';
import { answerFrom, cloudFormationMock, describeIngestStack, iotMock } from './support';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const POLICY = 'ingest-transform-dev-DevicePolicy-1A2B3C4D5E6F';
const NOW = Date.parse('2026-12-06T10:00:00.000Z');

const iot = iotMock();
const cloudFormation = cloudFormationMock();
let dir: string;
let pki: Record<'caCert' | 'caKey' | 'serverCert' | 'serverKey' | 'deviceCert' | 'deviceKey', string>;
let registry: IotRegistry;
let broker: Awaited<ReturnType<typeof startIotBroker>>;
let printed: string[];

// A private CA issues the broker's certificate (for 127.0.0.1) and the device certificate that
// CreateKeysAndCertificate hands out, as AWS IoT's CA does for real devices.
const issueCertificates = (folder: string) => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'pipe' });
  const file = (name: string) => path.join(folder, name);
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=Test IoT CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  const sign = (name: string, subject: string, extensions?: string) => {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${name}.crt`,
      ...(extensions ? ['-extfile', extensions] : []),
    );
  };
  return { file, sign };
};

const dependencies: DeviceCliDependencies = {
  aws: () => ({
    iot: sdkIotControl(new IoTClient({ region: REGION }), { sleep: async () => undefined }),
    stack: cloudFormationOutputs(new CloudFormationClient({ region: REGION })),
  }),
  connect: connectDevice,
  now: () => NOW,
};
const run = (...argv: string[]) =>
  main([...argv, '--dir', path.join(dir, 'devices')], (line) => void printed.push(line), dependencies);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'device-send-'));
  const { file, sign } = issueCertificates(dir);
  await writeFile(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  sign('server', '/CN=127.0.0.1', 'server.ext');
  sign('device', '/CN=AWS IoT Certificate');
  const read = (name: string) => readFile(file(name), 'utf8');
  pki = {
    caCert: await read('ca.crt'),
    caKey: await read('ca.key'),
    serverCert: await read('server.crt'),
    serverKey: await read('server.key'),
    deviceCert: await read('device.crt'),
    deviceKey: await read('device.key'),
  };
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

beforeEach(async () => {
  printed = [];
  iot.reset();
  cloudFormation.reset();
  registry = new IotRegistry(REGION, ACCOUNT, 2, () => ({
    certificatePem: pki.deviceCert,
    publicKey: createPublicKey(pki.deviceKey).export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pki.deviceKey,
  }));
  registry.createPolicy(POLICY);
  answerFrom(iot, registry);
  cloudFormation.on(DescribeStacksCommand).resolves(describeIngestStack('dev', { DevicePolicyName: POLICY }));
  broker = await startIotBroker({
    registry,
    // The document ingest-transform deploys, as CloudFormation hands it to IoT Core.
    policy: resolveSubs(devicePolicyDocument('telemetry'), {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
    }) as { Statement: unknown },
    arnPrefix: `arn:aws:iot:${REGION}:${ACCOUNT}`,
    key: pki.serverKey,
    cert: pki.serverCert,
    ca: pki.caCert,
  });
  await rm(path.join(dir, 'devices'), { recursive: true, force: true });
  await run('register', 'dev-0001', '--stage', 'dev');
});
afterEach(() => broker.close());

const deviceOptions = (clientId: string) => ({
  host: '127.0.0.1',
  port: broker.port,
  clientId,
  cert: pki.deviceCert,
  key: pki.deviceKey,
  ca: pki.caCert,
  connectTimeoutMs: 5_000,
});

describe('npm run device -- send (MQTT over TLS with the registered certificate)', () => {
  it('publishes N readings with QoS 1 on telemetry/<deviceId>, each valid against the raw reading schema', async () => {
    const code = await run(
      'send',
      'dev-0001',
      '--stage',
      'dev',
      '--count',
      '5',
      '--endpoint',
      '127.0.0.1',
      '--port',
      String(broker.port),
      '--ca',
      path.join(dir, 'ca.crt'),
      '--site',
      'plant-berlin',
    );
    expect(code).toBe(0);
    expect(broker.refused).toEqual([]);
    expect(broker.received).toHaveLength(5);
    for (const { clientId, topic, qos, payload } of broker.received) {
      expect({ clientId, topic, qos }).toEqual({ clientId: 'dev-0001', topic: 'telemetry/dev-0001', qos: 1 });
      expect(RawReadingSchema.parse(JSON.parse(payload))).toMatchObject({
        deviceId: 'dev-0001',
        site: 'plant-berlin',
      });
    }
    expect(JSON.parse(broker.received.at(-1)!.payload).timestamp).toBe('2026-12-06T10:00:00.000Z');
    expect(printed.at(-1)).toBe(
      `published 5 reading(s) on telemetry/dev-0001 via 127.0.0.1 (QoS 1, all acknowledged)`,
    );
  });

  it('is refused when connecting with another client id than its thing name', async () => {
    await expect(connectDevice(deviceOptions('dev-0002'))).rejects.toThrow(/Not authorized/i);
    expect(broker.refused).toEqual(['connect dev-0002']);
  });

  it("is refused when publishing on another device's topic", async () => {
    const device = await connectDevice(deviceOptions('dev-0001'));
    try {
      await expect(device.publish('telemetry/dev-0002', '{}')).rejects.toThrow(
        /closed the connection before acknowledging/,
      );
    } finally {
      await device.close();
    }
    expect(broker.refused).toEqual(['publish dev-0001 telemetry/dev-0002']);
    expect(broker.received).toEqual([]);
  });

  it('is refused once the device was removed (certificate deleted)', async () => {
    await run('remove', 'dev-0001', '--stage', 'dev');
    await expect(connectDevice(deviceOptions('dev-0001'))).rejects.toThrow(/Not authorized/i);
  });
});
