/**
 * The demo's embedded broker: aedes in process, on a free loopback port.
 *
 * aedes (1.x) speaks MQTT 3.1.1 only, while every teiki client (bus, depot publisher, collector)
 * connects with MQTT 5. So the port the clients see is a small translating bridge: each client
 * connection gets its own in-memory connection to aedes; MQTT 5 packets are re-encoded as 3.1.1
 * on the way in (properties dropped, CONNECT's session expiry becomes a persistent session) and
 * 3.1.1 answers as MQTT 5 on the way out (CONNACK return codes as reason codes). Nothing MQTT 5
 * adds is needed by the sync protocol on a loopback demo; production runs mosquitto.
 */

import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** CONNACK 3.1.1 return code → MQTT 5 reason code. */
const CONNACK_REASON: Record<number, number> = { 0: 0, 1: 0x84, 2: 0x85, 3: 0x88, 4: 0x86, 5: 0x87 };

export interface EmbeddedBroker {
  /** mqtt://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    bridge(socket, aedes);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

/** One client connection: socket (MQTT 5) ⇄ translation ⇄ an in-memory stream aedes handles (3.1.1). */
function bridge(socket: Socket, aedes: Aedes): void {
  // The broker's end: what aedes writes comes out of `toClient`; what we push in, aedes reads.
  let brokerSide: Duplex | null = null;
  const fromBroker = mqttPacket.parser({ protocolVersion: 4 });
  const fromClient = mqttPacket.parser();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    socket.destroy();
    brokerSide?.destroy();
  };
  brokerSide = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      fromBroker.parse(chunk);
      cb();
    },
    final(cb) {
      end();
      cb();
    },
  });
  brokerSide.on('error', () => end());
  brokerSide.on('close', () => end());
  // MQTT 5's UNSUBACK has a reason code per topic; 3.1.1's has none: remember how many were asked.
  const unsubscribed = new Map<number, number>();
  fromBroker.on('packet', (p: Packet) => {
    if (ended) return;
    let v5 = toV5(p);
    if (p.cmd === 'unsuback') {
      const n = unsubscribed.get(p.messageId ?? 0) ?? 1;
      unsubscribed.delete(p.messageId ?? 0);
      v5 = { ...p, granted: new Array<number>(n).fill(0) } as Packet;
    }
    send(socket, v5, 5, end);
  });
  fromBroker.on('error', () => end());
  fromClient.on('packet', (p: Packet) => {
    if (p.cmd === 'unsubscribe') unsubscribed.set(p.messageId ?? 0, p.unsubscriptions.length);
    const v4 = toV4(p);
    if (!v4 || ended) return;
    try {
      brokerSide?.push(mqttPacket.generate(v4, { protocolVersion: 4 }));
    } catch {
      end();
    }
  });
  fromClient.on('error', () => end());
  socket.on('data', (chunk: Buffer) => fromClient.parse(chunk));
  socket.on('error', () => end());
  socket.on('close', () => {
    // The client went away without DISCONNECT: aedes must see a dropped connection (last will).
    if (!ended) {
      ended = true;
      brokerSide?.destroy(new Error('client connection lost'));
    }
  });
  // Readable side of brokerSide feeds aedes; aedes writes its answers into brokerSide.
  aedes.handle(brokerSide);
}

function send(socket: Socket, p: Packet, protocolVersion: 4 | 5, onFail: () => void): void {
  try {
    socket.write(mqttPacket.generate(p, { protocolVersion }));
  } catch {
    onFail();
  }
}

function toV4(p: Packet): Packet | null {
  const q = { ...p } as Record<string, unknown>;
  delete q.properties;
  delete q.reasonCode;
  switch (p.cmd) {
    case 'connect': {
      q.protocolVersion = 4;
      q.protocolId = 'MQTT';
      if (p.will) q.will = { ...p.will, properties: undefined };
      return q as unknown as Packet;
    }
    case 'subscribe':
      q.subscriptions = p.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos }));
      return q as unknown as Packet;
    case 'auth':
      return null;
    default:
      return q as unknown as Packet;
  }
}

function toV5(p: Packet): Packet {
  if (p.cmd === 'connack') {
    const rc = (p as { returnCode?: number }).returnCode ?? 0;
    return { cmd: 'connack', sessionPresent: p.sessionPresent, reasonCode: CONNACK_REASON[rc] ?? 0x80 };
  }
  return p;
}
