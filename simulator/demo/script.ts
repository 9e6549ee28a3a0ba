/**
 * The scripted morning of `npm run demo`: Wednesday 2026-04-15 in Matsue (the sample passes are
 * April passes; see simulator/data/README.md), two buses, the sample cards, a depot publish at
 * 10:00 carrying a refund and a change of card. Every tap names the verdict the rules must give
 * (DESIGN.md), so the demo checks itself and its summary counts are known in advance.
 */
export const DEMO_DAY = '2026-04-15';
export const at = (hhmmss: string): number => Date.parse(`${DEMO_DAY}T${hhmmss}+09:00`);

export type BusKey = 'city' | 'ichibata';

export interface DemoCard {
  readonly key: string;
  readonly idm: string;
  /** What the person at the keyboard sees in the menu (English, short). */
  readonly label: string;
}

/** The sample cards the demo taps (simulator/data/passes-sample.csv). */
export const CARDS: readonly DemoCard[] = [
  { key: 'MC-0001', idm: '0114b3a1c2d3e4f5', label: 'commuter 240円, city' },
  { key: 'MC-0002', idm: '0114b3a1c2d3e502', label: 'commuter 200円, both operators (refunded at 10:00)' },
  { key: 'MC-0003', idm: '0114b3a1c2d3e503', label: 'commuter 160円, city' },
  { key: 'MC-0004', idm: '0114b3a1c2d3e504', label: 'commuter, expired in March' },
  { key: 'MC-0009-old', idm: '0114b3a1c2d3e509', label: 'commuter 240円, old card (changed at 10:00)' },
  { key: 'MC-0009-new', idm: '0139c0ffee000509', label: 'the new card of MC-0009' },
  { key: 'MC-0010', idm: '0114b3a1c2d3e510', label: 'まつえ通学フリーパス (free, area 松江管内)' },
  { key: 'IB-0001', idm: '0114c7d8e9f00601', label: 'commuter 380円, Ichibata only' },
  { key: 'IB-0002', idm: '0114c7d8e9f00602', label: 'まつえ通学フリーパス (Ichibata-issued)' },
  { key: 'IB-0003', idm: '0114c7d8e9f00603', label: '通学定期 student 440円, Ichibata' },
  { key: 'IB-0004', idm: '0114c7d8e9f00604', label: '障がい者定期 disability 300円, Ichibata' },
  { key: 'SUICA', idm: '01010a10e3f4a5b6', label: 'a Suica (no web pass can be on it)' },
];

export function card(key: string): DemoCard {
  const c = CARDS.find((x) => x.key === key);
  if (!c) throw new Error(`demo script: unknown card ${key}`);
  return c;
}

/** The depot's export at 10:00: the sample with these rows changed. */
export const CHANGES_AT_10 = [
  { pass_id: 'MC-0002', field: 'status', value: 'refunded', what: '払い戻し (refund) of MC-0002' },
  {
    pass_id: 'MC-0009',
    field: 'idm',
    value: '0139c0ffee000509',
    what: 'ICOCA の変更 (change of card) of MC-0009',
  },
] as const;

export type Step =
  | {
      readonly at: string;
      readonly kind: 'stop';
      readonly bus: BusKey;
      readonly route: string;
      readonly stop: string;
      readonly trip?: string;
    }
  | {
      readonly at: string;
      readonly kind: 'tap';
      readonly bus: BusKey;
      readonly card: string;
      readonly reader: 'boarding' | 'alighting';
      /** `verdict/reason` the rules must give. */
      readonly expect: string;
      readonly note: string;
    }
  | { readonly at: string; readonly kind: 'publish'; readonly note: string };

const stop = (at: string, bus: BusKey, route: string, s: string, trip?: string): Step => ({
  at,
  kind: 'stop',
  bus,
  route,
  stop: s,
  ...(trip ? { trip } : {}),
});
const on = (at: string, bus: BusKey, c: string, expect: string, note: string): Step => ({
  at,
  kind: 'tap',
  bus,
  card: c,
  reader: 'boarding',
  expect,
  note,
});
const off = (at: string, bus: BusKey, c: string, expect: string, note: string): Step => ({
  at,
  kind: 'tap',
  bus,
  card: c,
  reader: 'alighting',
  expect,
  note,
});

/** In time order; the buses' trips overlap as they do on the road. */
export const MORNING: readonly Step[] = [
  stop('06:50:00', 'city', '81', 'matsue-sta', '81-out-0650'),
  on('06:50:10', 'city', 'MC-0001', 'accept/ok', 'commuter 240円 boards'),
  on('06:50:20', 'city', 'MC-0003', 'accept/ok', 'commuter 160円 boards'),
  on('06:50:30', 'city', 'MC-0004', 'reject/expired', 'a pass that ended in March'),
  on('06:50:40', 'city', 'SUICA', 'reject/no_pass', 'a Suica: no web pass'),
  stop('06:53:00', 'city', '81', 'ohashi-kitazume', '81-out-0650'),
  stop('06:56:00', 'city', '81', 'kencho-mae', '81-out-0650'),
  off('06:56:10', 'city', 'MC-0001', 'accept/ok', 'fare 200円 within the 240円 amount'),
  stop('07:00:00', 'ichibata', 'ib-shinji', 'matsue-sta', 'ib-shinji-out-0700'),
  on('07:00:10', 'ichibata', 'IB-0002', 'accept/ok', 'student with a free pass boards'),
  on('07:00:20', 'ichibata', 'MC-0002', 'accept/ok', 'a city-issued pass on an Ichibata bus'),
  on('07:00:21', 'ichibata', 'MC-0002', 'duplicate/duplicate_tap', 'the same card again, a second later'),
  on('07:00:30', 'ichibata', 'IB-0001', 'accept/ok', 'commuter 380円 boards'),
  on('07:00:40', 'ichibata', 'IB-0003', 'accept/ok', '通学定期 boards'),
  on('07:00:50', 'ichibata', 'IB-0004', 'accept/ok', '障がい者定期 boards'),
  stop('07:01:00', 'city', '81', 'kitatamachi', '81-out-0650'),
  stop('07:04:00', 'city', '81', 'shimadai-mae', '81-out-0650'),
  off('07:04:10', 'city', 'MC-0003', 'excess/excess_fare', 'fare 240円 over the 160円 amount'),
  off('07:04:20', 'city', 'MC-0010', 'attention/no_tap_on', 'alights without having tapped on'),
  stop('07:04:30', 'ichibata', 'ib-shinji', 'nishitsuda', 'ib-shinji-out-0700'),
  stop('07:09:00', 'ichibata', 'ib-shinji', 'nogi', 'ib-shinji-out-0700'),
  off('07:09:10', 'ichibata', 'MC-0002', 'excess/excess_fare', 'fare 220円 over the 200円 amount'),
  off('07:09:20', 'ichibata', 'IB-0004', 'accept/ok', 'fare 220円 within 300円'),
  stop('07:20:00', 'ichibata', 'ib-shinji', 'tamatsukuri-iriguchi', 'ib-shinji-out-0700'),
  off('07:20:10', 'ichibata', 'IB-0001', 'accept/ok', 'fare 380円 = the amount'),
  stop('07:30:00', 'ichibata', 'ib-shinji', 'kimachi', 'ib-shinji-out-0700'),
  off('07:30:10', 'ichibata', 'IB-0002', 'excess/excess_fare', 'free pass left 松江管内 at 乃木: 440円'),
  off('07:30:20', 'ichibata', 'IB-0003', 'excess/excess_fare', 'fare 520円 over 440円'),
  { at: '10:00:00', kind: 'publish', note: 'the depot publishes a refund and a change of card' },
  stop('10:32:00', 'city', '81', 'matsue-sta', '81-out-1032'),
  on('10:32:10', 'city', 'MC-0009-old', 'reject/card_changed', 'the old card after the change'),
  on('10:32:20', 'city', 'MC-0009-new', 'accept/ok', 'the new card'),
  stop('10:35:00', 'city', '81', 'ohashi-kitazume', '81-out-1032'),
  stop('10:38:00', 'city', '81', 'kencho-mae', '81-out-1032'),
  off('10:38:10', 'city', 'MC-0009-new', 'accept/ok', 'fare 200円 within 240円'),
  stop('10:45:00', 'ichibata', 'ib-shinji', 'matsue-sta'),
  on('10:45:10', 'ichibata', 'MC-0002', 'reject/refunded', 'the pass refunded at 10:00'),
];
