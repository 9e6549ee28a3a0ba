/**
 * A hand-held MQTT client for unit tests of the records flow: the test decides when it connects,
 * drops, and what arrives; everything published is kept. Integration tests use a real mosquitto.
 */
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';

export interface Published {
  readonly topic: string;
  readonly payload: Buffer;
  readonly opts: { qos?: number; retain?: boolean };
}

export class FakeMqtt extends EventEmitter {
  connected = false;
  readonly published: Published[] = [];
  readonly subscribed: string[] = [];
  /** Answer for each publish (null: PUBACK ok). */
  publishError: (topic: string) => Error | null = () => null;
  subscribeQos = 1;

  publish(topic: string, payload: Buffer, opts: Published['opts'], cb?: (err?: Error) => void): this {
    this.published.push({ topic, payload, opts });
    const err = this.publishError(topic);
    queueMicrotask(() => cb?.(err ?? undefined));
    return this;
  }

  subscribe(
    topic: string,
    _opts: unknown,
    cb?: (err: Error | null, granted?: Array<{ topic: string; qos: number }>) => void,
  ): this {
    this.subscribed.push(topic);
    queueMicrotask(() => cb?.(null, [{ topic, qos: this.subscribeQos }]));
    return this;
  }

  bringUp(): void {
    this.connected = true;
    this.emit('connect', { sessionPresent: false });
  }

  drop(): void {
    this.connected = false;
    this.emit('close');
  }

  deliver(topic: string, payload: Buffer): void {
    this.emit('message', topic, payload, { retain: false });
  }

  /** Published payloads on `topic`, parsed. */
  sent<T = Record<string, unknown>>(topic: string): T[] {
    return this.published.filter((p) => p.topic === topic).map((p) => JSON.parse(p.payload.toString()) as T);
  }

  asClient(): MqttClient {
    return this as unknown as MqttClient;
  }
}

/** Lets queued microtasks and immediates run (the fake answers asynchronously, like a broker). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
