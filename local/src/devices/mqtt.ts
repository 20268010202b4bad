import { isIP } from 'node:net';
import mqtt from 'mqtt';
import type { ReadingPublisher } from './ports';

export interface MqttDeviceOptions {
  host: string;
  /** 8883: MQTT over TLS with an X.509 client certificate. */
  port: number;
  /** The thing name: the device policy allows no other client id. */
  clientId: string;
  cert: string;
  key: string;
  /** Extra trusted CA (a local test broker); AWS IoT's Amazon Root CA is in Node's default store. */
  ca?: string;
  connectTimeoutMs?: number;
}

// https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html: MQTT on port 8883 with
// X.509 client certificate authentication and no ALPN; the message broker supports QoS 0 and 1
// (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html).
export const connectDevice = async ({
  host,
  port,
  clientId,
  cert,
  key,
  ca,
  connectTimeoutMs = 10_000,
}: MqttDeviceOptions): Promise<ReadingPublisher> => {
  const client = await mqtt.connectAsync({
    protocol: 'mqtts',
    host,
    port,
    clientId,
    cert,
    key,
    ...(ca ? { ca } : {}),
    // SNI names the account's endpoint; Node refuses an IP address as server name.
    ...(isIP(host) === 0 ? { servername: host } : {}),
    rejectUnauthorized: true,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: connectTimeoutMs,
  });
  // IoT Core answers a publish its policy does not allow by closing the connection, and mqtt.js
  // would then wait for the PUBACK forever (no reconnect): a closed connection fails the publish.
  const closed = new Promise<never>((_, reject) =>
    client.once('close', () =>
      reject(
        new Error(`${host} closed the connection before acknowledging (not authorised to publish there?)`),
      ),
    ),
  );
  closed.catch(() => undefined);
  return {
    async publish(topic, payload) {
      await Promise.race([client.publishAsync(topic, payload, { qos: 1 }), closed]);
    },
    // A graceful end waits for unacknowledged messages, which never come once the broker closed.
    async close() {
      await client.endAsync(!client.connected);
    },
  };
};
