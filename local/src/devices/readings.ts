import { RawReadingSchema } from '@pipeline/shared';
import type { RawReading } from '@pipeline/shared';
import type { ReadingPublisher } from './ports';

/**
 * `count` readings of one device in the README's shape, one second apart and ending at `now`,
 * with plausible values that drift a little from one reading to the next.
 */
export const sampleReadings = (deviceId: string, count: number, now: number, site?: string): RawReading[] =>
  Array.from({ length: count }, (_, index) => ({
    deviceId,
    timestamp: new Date(now - (count - 1 - index) * 1000).toISOString(),
    ...(site ? { site } : {}),
    metrics: {
      temperature: Math.round((21.5 + Math.sin(index / 5)) * 10) / 10,
      humidity: Math.round((43 + Math.cos(index / 7) * 2) * 10) / 10,
      pressure: 1012.8,
      battery: Math.max(5, 87 - Math.floor(index / 50)),
    },
  }));

/** The MQTT topic a device publishes on, which the IoT rule `SELECT * FROM '<prefix>/+'` reads. */
export const deviceTopic = (topicPrefix: string, thingName: string) => `${topicPrefix}/${thingName}`;

/** Publishes the readings one by one (QoS 1), each checked against the shared raw reading schema first. */
export const sendReadings = async (
  publisher: ReadingPublisher,
  topic: string,
  readings: RawReading[],
): Promise<number> => {
  for (const reading of readings)
    await publisher.publish(topic, JSON.stringify(RawReadingSchema.parse(reading)));
  return readings.length;
};
