import { describe, expect, it } from 'vitest';
import { type Outgoing, type OutKind, SendQueue } from '../../../hardware/serial/send-queue.js';

let n = 0;
const item = (kind: OutKind): Outgoing => ({ kind, type: 0, payload: Uint8Array.of(n++), queuedAt: 0 });

describe('display send queue', () => {
  it('keeps only the newest pending verdict', () => {
    const q = new SendQueue(8);
    const v1 = item('verdict');
    const v2 = item('verdict');
    q.push(v1);
    expect(q.push(v2)).toEqual([v1]);
    expect(q.shift()).toBe(v2);
    expect(q.length).toBe(0);
  });

  it('coalesces statuses to the latest', () => {
    const q = new SendQueue(8);
    q.push(item('status'));
    const s2 = item('status');
    q.push(s2);
    expect(q.kinds()).toEqual(['status']);
    expect(q.shift()).toBe(s2);
  });

  it('puts a ping first and never two of them', () => {
    const q = new SendQueue(8);
    q.push(item('verdict'));
    q.push(item('ping'));
    const again = item('ping');
    expect(q.push(again)).toEqual([again]);
    expect(q.kinds()).toEqual(['ping', 'verdict']);
  });

  it('keeps signals in order', () => {
    const q = new SendQueue(8);
    const a = item('signal');
    const b = item('signal');
    q.push(a);
    q.push(b);
    expect([q.shift(), q.shift()]).toEqual([a, b]);
  });

  it('when full drops ping, then status, then the oldest signal, never the verdict', () => {
    const q = new SendQueue(3);
    const v = item('verdict');
    const st = item('status');
    const p = item('ping');
    const s1 = item('signal');
    q.push(v);
    q.push(st);
    q.push(p);
    expect(q.push(s1)).toEqual([p]);
    expect(q.push(item('signal'))).toEqual([st]);
    expect(q.push(item('signal'))).toEqual([s1]);
    expect(q.kinds()).toEqual(['verdict', 'signal', 'signal']);
    expect(q.push(item('verdict'))).toEqual([v]);
  });

  it('with a limit of 1 keeps the verdict over a tone', () => {
    const q = new SendQueue(1);
    const v = item('verdict');
    q.push(v);
    const s = item('signal');
    expect(q.push(s)).toEqual([s]);
    expect(q.kinds()).toEqual(['verdict']);
  });

  it('puts a frame back at the head after a disconnect, behind a ping', () => {
    const q = new SendQueue(8);
    q.push(item('ping'));
    q.push(item('signal'));
    expect(q.requeue(item('verdict'))).toBe(true);
    expect(q.kinds()).toEqual(['ping', 'verdict', 'signal']);
  });

  it('does not put back a verdict a newer one already replaced', () => {
    const q = new SendQueue(8);
    q.push(item('verdict'));
    expect(q.requeue(item('verdict'))).toBe(false);
    expect(q.kinds()).toEqual(['verdict']);
  });

  it('refuses a limit below 1', () => {
    expect(() => new SendQueue(0)).toThrow(RangeError);
  });
});
