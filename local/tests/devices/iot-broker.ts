import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Aedes } from 'aedes';
import type { AuthenticateError, Client } from 'aedes';
import { iotPolicyAllows } from '../../src/aws/iot-policy';
import type { IotRegistry } from '../../src/aws/iot-registry';

export interface ReceivedMessage {
  clientId: string;
  topic: string;
  payload: string;
  qos: number;
}

/**
 * A stand-in for the AWS IoT Core message broker on 127.0.0.1: a real MQTT broker (aedes) behind
 * TLS that requires a client certificate signed by `ca`, and that authorises CONNECT and PUBLISH
 * the way IoT Core does, by evaluating `policy` (the deployed device policy document) for the
 * thing that the presented certificate is attached to in `registry`.
 */
export const startIotBroker = async ({
  registry,
  policy,
  arnPrefix,
  key,
  cert,
  ca,
}: {
  registry: IotRegistry;
  policy: { Statement: unknown };
  /** `arn:aws:iot:<region>:<account>` */
  arnPrefix: string;
  key: string;
  cert: string;
  ca: string;
}) => {
  const broker = await Aedes.createBroker();
  const thingOf = new WeakMap<Client, string>();
  const received: ReceivedMessage[] = [];
  const refused: string[] = [];

  broker.authenticate = (client, _username, _password, done) => {
    const peer = (client.conn as tls.TLSSocket).getPeerX509Certificate();
    const thingName = peer && registry.connectingThing(peer.toString(), client.id);
    const allowed = iotPolicyAllows(policy, {
      action: 'iot:Connect',
      resource: `${arnPrefix}:client/${client.id}`,
      ...(thingName ? { thingName } : {}),
    });
    if (!allowed) {
      refused.push(`connect ${client.id}`);
      return done(Object.assign(new Error('not authorized'), { returnCode: 5 }) as AuthenticateError, null);
    }
    if (thingName) thingOf.set(client, thingName);
    done(null, true);
  };
  broker.authorizePublish = (client, packet, callback) => {
    const thingName = client ? thingOf.get(client) : undefined;
    const allowed = iotPolicyAllows(policy, {
      action: 'iot:Publish',
      resource: `${arnPrefix}:topic/${packet.topic}`,
      ...(thingName ? { thingName } : {}),
    });
    if (!allowed) refused.push(`publish ${client?.id} ${packet.topic}`);
    callback(allowed ? null : new Error('not authorized'));
  };
  broker.on('publish', (packet, client) => {
    if (client)
      received.push({
        clientId: client.id,
        topic: packet.topic,
        payload: packet.payload.toString(),
        qos: packet.qos,
      });
  });

  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer(
    { key, cert, ca, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      broker.handle(socket);
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: (server.address() as AddressInfo).port,
    received,
    refused,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
};
