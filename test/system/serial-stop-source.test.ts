/**
 * SerialStopSource fed by a controller on a real pty: malformed lines are refused and counted,
 * the last good stop stays current, good lines after bad ones work, and a lost port comes back.
 */
import { SerialPort } from 'serialport';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DeviceIoError } from '../../hardware/ports/errors.js';
import type { CurrentStop } from '../../hardware/ports/stop-source.js';
import { BadStopLineError, SerialStopSource } from '../../hardware/serial/serial-stop-source.js';
import { formatStopLine, stopLineChecksum } from '../../hardware/serial/stop-line.js';
import { FakeClock } from '../../simulator/fakes/fake-clock.js';
import { playStops } from '../../simulator/stop-player/player.js';
import { disposeAllPtys, eventually, openPtyPair, type PtyPair, pause } from '../helpers/pty.js';

afterAll(disposeAllPtys);

async function controllerOn(path: string) {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  port.on('error', () => {});
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  return {
    send: (data: string | Buffer) =>
      new Promise<void>((resolve, reject) =>
        port.write(data, 'latin1', (e) => (e ? reject(e) : port.drain(() => resolve()))),
      ),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/** A line with a correct checksum around any body. */
const signed = (body: string) => `$${body}*${stopLineChecksum(body).toString(16).padStart(2, '0')}\r\n`;
const line = (stop_id: string, route_id = '81', trip_id?: string) =>
  formatStopLine({ route_id, trip_id, stop_id });

describe('stop source on a real pty', () => {
  let source: SerialStopSource | null = null;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await source?.stop();
    for (const c of closers.splice(0)) await c();
  });

  async function rig(): Promise<{
    pty: PtyPair;
    stops: CurrentStop[];
    errors: Error[];
    source: SerialStopSource;
  }> {
    const pty = await openPtyPair();
    source = new SerialStopSource({
      path: pty.a,
      baud: 9600,
      clock: new FakeClock(),
      reconnect: { initialMs: 30, maxMs: 200 },
    });
    const stops: CurrentStop[] = [];
    const errors: Error[] = [];
    source.subscribe({ onStop: (s) => stops.push(s), onError: (e) => errors.push(e) });
    await source.start();
    return { pty, stops, errors, source };
  }

  it('ignores and counts malformed lines, keeps the last good stop, and takes good lines after them', async () => {
    const r = await rig();
    const c = await controllerOn(r.pty.b);
    closers.push(c.close);
    await c.send(line('matsue-sta'));
    await eventually(() => r.source.current()?.stop_id === 'matsue-sta', 'the first stop');

    await c.send('$STOP,81,,kencho-mae*00\r\n'); // bad checksum
    await c.send(signed('STOP,81,,,x')); // five fields
    await c.send(`$STOP,81,,${'z'.repeat(300)}*00\r\n`); // too long
    await c.send(Buffer.from([0x24, 0x53, 0xff, 0x07, 0x0d, 0x0a])); // bad characters
    await c.send(signed('GPGGA,123519,4807.038,N')); // another sentence
    await c.send('STOP,81,,kencho-mae*7D\r\n'); // no '$'
    await eventually(
      () => Object.values(r.source.stats().bad).reduce((a, b) => a + b, 0) === 6,
      'six bad lines',
    );
    expect(r.source.current()?.stop_id).toBe('matsue-sta');
    expect(r.stops.map((s) => s.stop_id)).toEqual(['matsue-sta']);
    expect(r.source.stats().bad).toEqual({
      bad_checksum: 1,
      field_count: 1,
      too_long: 1,
      bad_character: 1,
      unknown_sentence: 1,
      no_start: 1,
    });
    // One report for the run of bad lines, not six.
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(BadStopLineError);

    await c.send(line('kencho-mae'));
    await eventually(() => r.source.current()?.stop_id === 'kencho-mae', 'the stop after the bad lines');
    await c.send('garbage\n');
    await eventually(() => r.errors.length === 2, 'a new run of bad lines reported');
  });

  it('joins a line split across writes and reports only changes of stop', async () => {
    const r = await rig();
    const c = await controllerOn(r.pty.b);
    closers.push(c.close);
    const l = line('shirakata', '81', 'T81-0758');
    await c.send(l.slice(0, 10));
    await pause(50);
    await c.send(l.slice(10));
    await eventually(() => r.source.current()?.stop_id === 'shirakata', 'the split line');
    expect(r.source.current()?.trip_id).toBe('T81-0758');
    await c.send(l + l + l); // the controller repeats the current stop
    await c.send(line('matsue-sta'));
    await eventually(() => r.stops.length === 2, 'the next stop');
    expect(r.stops.map((s) => s.stop_id)).toEqual(['shirakata', 'matsue-sta']);
    expect(r.source.stats().good).toBe(5);
  });

  it('keeps the last stop through a lost port and reconnects', async () => {
    const r = await rig();
    let c = await controllerOn(r.pty.b);
    closers.push(c.close);
    await c.send(line('matsue-sta'));
    await eventually(() => r.source.current()?.stop_id === 'matsue-sta', 'the first stop');
    await c.send('$STOP,81,,half-a-li'); // cut off by the loss; must not glue onto the next line
    await pause(30);
    await r.pty.kill();
    // Generous waits: on a loaded 2-core CI machine the hang-up reaches the poller late.
    await eventually(() => r.errors.some((e) => e instanceof DeviceIoError), 'the loss reported', 15_000);
    const loss = r.errors.find((e) => e instanceof DeviceIoError) as DeviceIoError;
    expect(loss.disconnected).toBe(true);
    expect(r.source.current()?.stop_id).toBe('matsue-sta');

    await r.pty.restart();
    c = await controllerOn(r.pty.b);
    closers.push(c.close);
    // The source reopens on its own schedule: repeat the stop as a controller does until heard.
    await eventually(
      () => {
        void c.send(line('kencho-mae'));
        return r.source.current()?.stop_id === 'kencho-mae';
      },
      'a stop after reconnecting',
      15_000,
      100,
    );
    expect(r.source.stats().bad.bad_checksum ?? 0).toBe(0);
  });

  it('follows the stop player through a route', async () => {
    const r = await rig();
    await playStops({ path: r.pty.b, route: '81', trip: 'T1', stops: ['a1', 'a2', 'a3'], intervalMs: 40 });
    await eventually(() => r.stops.length === 3, 'three stops');
    expect(r.stops.map((s) => `${s.route_id}/${s.trip_id}/${s.stop_id}`)).toEqual([
      '81/T1/a1',
      '81/T1/a2',
      '81/T1/a3',
    ]);
  });

  it('refuses to start on a path that does not exist, naming it', async () => {
    const s = new SerialStopSource({
      path: '/dev/teiki-no-such-controller',
      baud: 9600,
      clock: new FakeClock(),
    });
    await expect(s.start()).rejects.toThrow(/\/dev\/teiki-no-such-controller does not exist/);
    await s.stop();
  });
});
