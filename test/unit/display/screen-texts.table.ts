/**
 * Every text the driver's screen can show, one table (issue 11). Each row is a case (a verdict
 * and reason, a status line, a tone, the idle screen) and the exact lines the driver reads, as
 * both the display unit and the console display show them. screen-texts.test.ts renders every
 * case through the real code and compares; a wording change is made in
 * device/display/messages-ja.ts and here, and DRIVER-GUIDE.md must quote it (driver-guide.test.ts).
 */

import type { ScreenReason } from '../../../device/display/messages-ja.js';
import type { PassKind } from '../../../device/domain/pass.js';
import type { ReaderRole } from '../../../hardware/ports/card-reader.js';
import type { VerdictTone } from '../../../hardware/ports/driver-display.js';

/** Every pass in the table is valid until this day, on this card (masked JW1234********345). */
export const VALID_UNTIL = '2026-12-31';
export const CARD_NUMBER = 'JW123456789012345';

export interface VerdictRow {
  readonly reason: ScreenReason;
  readonly verdict: 'accept' | 'excess' | 'reject' | 'attention';
  readonly reader: ReaderRole;
  /** The kind of the pass that decided, or null when none did. */
  readonly pass: PassKind | null;
  readonly fare: number | null;
  readonly excess: number | null;
  readonly tone: VerdictTone;
  readonly lines: readonly string[];
}

const CARD = 'カード JW1234********345';
const COMMUTER = '通勤定期  有効期限 2026/12/31';

export const VERDICT_ROWS: readonly VerdictRow[] = [
  row('ok', 'accept', 'boarding', 'commuter', null, null, 'accept', ['乗車 OK 定期券有効', COMMUTER, CARD]),
  row('ok', 'accept', 'alighting', 'disability', 220, null, 'accept', [
    '降車 OK 定期券有効',
    '障がい者定期  有効期限 2026/12/31',
    '運賃 220円',
    CARD,
  ]),
  row('excess_fare', 'excess', 'alighting', 'commuter', 250, 50, 'attention', [
    '降車 差額 50円 収受',
    COMMUTER,
    '運賃 250円  差額 50円',
    CARD,
  ]),
  row('excess_fare', 'excess', 'alighting', 'student_free', 1440, 1200, 'attention', [
    '降車 差額 1,200円 収受',
    'まつえ通学フリーパス  有効期限 2026/12/31',
    '運賃 1,440円  差額 1,200円',
    CARD,
  ]),
  row('not_yet_valid', 'reject', 'boarding', 'commuter', null, null, 'reject', [
    '乗車 定期券 有効期間前',
    COMMUTER,
    CARD,
  ]),
  row('expired', 'reject', 'boarding', 'commuter', null, null, 'reject', [
    '乗車 定期券 期限切れ',
    COMMUTER,
    CARD,
  ]),
  row('operator_not_covered', 'reject', 'boarding', 'commuter', null, null, 'reject', [
    '乗車 他社の定期券 利用不可',
    COMMUTER,
    CARD,
  ]),
  row('route_not_covered', 'reject', 'boarding', 'student', null, null, 'reject', [
    '乗車 定期券 対象外路線',
    '通学定期  有効期限 2026/12/31',
    CARD,
  ]),
  row('outside_area', 'reject', 'boarding', 'student_free', null, null, 'reject', [
    '乗車 フリーパス 区域外',
    'まつえ通学フリーパス  有効期限 2026/12/31',
    CARD,
  ]),
  row('suspended', 'reject', 'boarding', 'commuter', null, null, 'reject', [
    '乗車 定期券 利用停止中',
    COMMUTER,
    CARD,
  ]),
  row('refunded', 'reject', 'boarding', 'commuter', null, null, 'reject', [
    '乗車 定期券 払い戻し済み',
    COMMUTER,
    CARD,
  ]),
  row('card_changed', 'reject', 'boarding', null, null, null, 'reject', [
    '乗車 カード変更済み 新カードで再タッチ',
  ]),
  row('no_pass', 'reject', 'boarding', null, null, null, 'reject', ['乗車 WEB定期券なし']),
  row('already_tapped_on', 'reject', 'boarding', null, null, null, 'reject', [
    '乗車 乗車タッチ済み 降車時にタッチ',
  ]),
  row('no_tap_on', 'attention', 'alighting', null, null, null, 'attention', [
    '降車 乗車タッチなし 乗車停留所を確認',
  ]),
  row('fare_unknown', 'attention', 'alighting', 'commuter', null, null, 'attention', [
    '降車 運賃不明 運賃表で精算',
    COMMUTER,
    CARD,
  ]),
  row('list_stale', 'attention', 'boarding', 'commuter', null, null, 'attention', [
    '乗車 定期券リスト期限切れ 要確認',
    COMMUTER,
    CARD,
  ]),
  row('clock_invalid', 'attention', 'boarding', 'commuter', null, null, 'attention', [
    '乗車 時計異常 要確認',
    COMMUTER,
    CARD,
  ]),
  row('not_icoca', 'reject', 'boarding', null, null, null, 'reject', ['乗車 ICOCA以外のカード']),
];

/** The buzzer and the light, one spelling per tone everywhere. */
export const SIGNAL_ROWS: Readonly<Record<VerdictTone, string>> = {
  accept: '音 ピッ  ● 緑',
  reject: '音 ピピピー  ● 赤',
  attention: '音 ピンポン ピンポン  ● 黄 点滅',
};

export interface StatusRow {
  readonly name: string;
  /** Version of the list in force, or null for none. */
  readonly version: number | null;
  /** Minutes since it was applied. */
  readonly ageMinutes: number;
  /** Minutes until its expiry (negative: past, the list is stale); null for a local import. */
  readonly expiresInMinutes: number | null;
  readonly link: 'online' | 'offline' | 'none';
  readonly readers: ReadonlyArray<{ reader: ReaderRole; state: 'connected' | 'disconnected' | 'error' }>;
  readonly recordFailing: boolean;
  readonly storageLow: boolean;
  /** Whether records can be written (issue 12: a read-only mount holds them in memory). */
  readonly storage?: 'ok' | 'read_only' | 'full' | 'unavailable';
  /** The records held in memory reached their bound: new rides are not recorded. */
  readonly recordsOverflowing?: boolean;
  /** The bus clock this many minutes before the list was applied (a clock set back). */
  readonly clockBackMinutes?: number;
  readonly lines: readonly string[];
}

const BOTH_OK = [
  { reader: 'boarding', state: 'connected' },
  { reader: 'alighting', state: 'connected' },
] as const;

export const STATUS_ROWS: readonly StatusRow[] = [
  {
    name: 'a healthy bus',
    version: 2,
    ageMinutes: 10,
    expiresInMinutes: 3 * 24 * 60,
    link: 'online',
    readers: BOTH_OK,
    recordFailing: false,
    storageLow: false,
    lines: ['リスト更新 10分前 第2版', '通信 オンライン', '乗車:正常 降車:正常'],
  },
  {
    name: 'a list just applied, offline',
    version: 3,
    ageMinutes: 0,
    expiresInMinutes: 3 * 24 * 60,
    link: 'offline',
    readers: BOTH_OK,
    recordFailing: false,
    storageLow: false,
    lines: ['リスト更新 たった今 第3版', '通信 オフライン', '乗車:正常 降車:正常'],
  },
  {
    name: 'a list some hours old',
    version: 12,
    ageMinutes: 3 * 60 + 20,
    expiresInMinutes: 24 * 60,
    link: 'online',
    readers: BOTH_OK,
    recordFailing: false,
    storageLow: false,
    lines: ['リスト更新 3時間前 第12版', '通信 オンライン', '乗車:正常 降車:正常'],
  },
  {
    name: 'a stale list',
    version: 2,
    ageMinutes: 4 * 24 * 60,
    expiresInMinutes: -24 * 60,
    link: 'offline',
    readers: BOTH_OK,
    recordFailing: false,
    storageLow: false,
    lines: [
      'リスト更新 4日前 第2版 期限切れ',
      '通信 オフライン',
      '乗車:正常 降車:正常',
      '! 定期券リスト期限切れ 要確認',
    ],
  },
  {
    name: 'no list, no depot link, a reader gone',
    version: null,
    ageMinutes: 0,
    expiresInMinutes: null,
    link: 'none',
    readers: [
      { reader: 'boarding', state: 'connected' },
      { reader: 'alighting', state: 'disconnected' },
    ],
    recordFailing: false,
    storageLow: false,
    lines: ['定期券リストなし', '通信 未設定', '乗車:正常 降車:未接続', '! リーダー未接続'],
  },
  {
    name: 'records failing and a reader in error',
    version: 5,
    ageMinutes: 30,
    expiresInMinutes: null,
    link: 'online',
    readers: [{ reader: 'boarding', state: 'error' }],
    recordFailing: true,
    storageLow: true,
    lines: [
      'リスト更新 30分前 第5版',
      '通信 オンライン',
      '乗車:異常',
      '! 記録エラー 保存不可',
      '! リーダー未接続',
    ],
  },
  {
    name: 'the disk nearly full',
    version: 5,
    ageMinutes: 30,
    expiresInMinutes: null,
    link: 'online',
    readers: [{ reader: 'boarding', state: 'connected' }],
    recordFailing: false,
    storageLow: true,
    lines: ['リスト更新 30分前 第5版', '通信 オンライン', '乗車:正常', '! 記録エラー 空き容量なし'],
  },
  {
    name: 'records storage read-only: rides held in memory',
    version: 5,
    ageMinutes: 30,
    expiresInMinutes: null,
    link: 'online',
    readers: BOTH_OK,
    recordFailing: false,
    storageLow: false,
    storage: 'read_only',
    lines: ['リスト更新 30分前 第5版', '通信 オンライン', '乗車:正常 降車:正常', '! 記録エラー 書込不可'],
  },
  {
    name: 'rides held in memory up to their bound',
    version: 5,
    ageMinutes: 30,
    expiresInMinutes: null,
    link: 'online',
    readers: BOTH_OK,
    recordFailing: false,
    storageLow: false,
    storage: 'read_only',
    recordsOverflowing: true,
    lines: ['リスト更新 30分前 第5版', '通信 オンライン', '乗車:正常 降車:正常', '! 記録エラー 一時保存満杯'],
  },
  {
    name: 'a clock set back before the list',
    version: 7,
    ageMinutes: 0,
    expiresInMinutes: 3 * 24 * 60,
    link: 'online',
    readers: BOTH_OK,
    recordFailing: false,
    storageLow: false,
    clockBackMinutes: 60,
    lines: ['リスト更新 たった今 第7版', '通信 オンライン', '乗車:正常 降車:正常', '! 時計異常 要確認'],
  },
];

/** Before anything arrived from the bus. */
export const IDLE_ROWS = { verdict: '待機中', status: '状態 未受信' } as const;

function row(
  reason: ScreenReason,
  verdict: VerdictRow['verdict'],
  reader: ReaderRole,
  pass: PassKind | null,
  fare: number | null,
  excess: number | null,
  tone: VerdictTone,
  lines: readonly string[],
): VerdictRow {
  return { reason, verdict, reader, pass, fare, excess, tone, lines };
}
