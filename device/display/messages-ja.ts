/**
 * Every word the driver's screen shows, in one file: headlines per reason, pass kinds, alarms,
 * the labels and status words the screen lays out, tone and light names, and the formats of
 * amounts (N円), dates (YYYY/MM/DD) and ages (10分前). The driver reads this, not the passenger:
 * short plain bus Japanese (「差額 50円 収受」), never keigo to a passenger. No brackets of either
 * width, so full-width and half-width are never mixed. test/unit/display/screen-texts.test.ts
 * holds every screen against its table; DRIVER-GUIDE.md quotes these texts verbatim.
 */
import type { PassKind } from '../domain/pass.js';
import type { Reason } from '../domain/verdict.js';

/** Text columns of the display unit's screen (a kanji counts two); every line must fit. */
export const SCREEN_COLUMNS = 42;

export const KIND_JA: Record<PassKind, string> = {
  commuter: '通勤定期',
  student_free: 'まつえ通学フリーパス',
  student: '通学定期',
  disability: '障がい者定期',
};

/** Reasons a screen is composed for: every decided reason, and a card that is not an ICOCA. */
export type ScreenReason = Exclude<Reason, 'duplicate_tap'> | 'not_icoca';

/** Headline per reason; reject states what is wrong, attention adds what the driver does. */
export const REASON_JA: Record<ScreenReason, string> = {
  ok: 'OK 定期券有効',
  /** Only when the amount is unknown; with it, excessHeadline(). */
  excess_fare: '差額 収受',
  not_yet_valid: '定期券 有効期間前',
  expired: '定期券 期限切れ',
  operator_not_covered: '他社の定期券 利用不可',
  route_not_covered: '定期券 対象外路線',
  outside_area: 'フリーパス 区域外',
  suspended: '定期券 利用停止中',
  refunded: '定期券 払い戻し済み',
  card_changed: 'カード変更済み 新カードで再タッチ',
  no_pass: 'WEB定期券なし',
  already_tapped_on: '乗車タッチ済み 降車時にタッチ',
  no_tap_on: '乗車タッチなし 乗車停留所を確認',
  fare_unknown: '運賃不明 運賃表で精算',
  list_stale: '定期券リスト期限切れ 要確認',
  not_icoca: 'ICOCA以外のカード',
  clock_invalid: '時計異常 要確認',
};

/** 「差額 50円 収受」: the amount to collect, in the headline the driver reads first. */
export function excessHeadline(yen: number): string {
  return `差額 ${yenJa(yen)} 収受`;
}

/** Status-line alarms; the stale and clock alarms say the same as their headlines. */
export const ALARM_JA = {
  recordFailed: '記録エラー 保存不可',
  /** records.sqlite cannot be written (a read-only mount): records are held in memory (issue 12). */
  readOnly: '記録エラー 書込不可',
  /** Records held in memory reached their bound: new taps are decided but their records lost. */
  recordsOverflow: '記録エラー 一時保存満杯',
  /** The disk has no room for the reserve: records will fail soon, or a restart used the reserve. */
  diskFull: '記録エラー 空き容量なし',
  readerGone: 'リーダー未接続',
  listStale: REASON_JA.list_stale,
  /** The clock is before the newest list or far beyond its expiry (device/rules/clock-trust.ts). */
  clockInvalid: REASON_JA.clock_invalid,
} as const;

export const READER_JA = { boarding: '乗車', alighting: '降車' } as const;

/** Reader states travel as ASCII words (hardware/README.md); an unknown word is shown as sent. */
export const READER_STATE_JA: Readonly<Record<string, string>> = {
  connected: '正常',
  disconnected: '未接続',
  error: '異常',
};

/** `none`: the bus has no depot link configured. */
export const LINK_JA = { online: 'オンライン', offline: 'オフライン', none: '未設定' } as const;

/** One spelling per tone, used by the display unit, the console, the demo and DRIVER-GUIDE.md. */
export const TONE_JA = { accept: 'ピッ', reject: 'ピピピー', attention: 'ピンポン ピンポン' } as const;
/** The passenger light per tone (attention blinks amber: red and green together). */
export const LIGHT_JA = { accept: '緑', reject: '赤', attention: '黄 点滅' } as const;

export const LABEL_JA = {
  validUntil: '有効期限',
  fare: '運賃',
  excess: '差額',
  card: 'カード',
  link: '通信',
  tone: '音',
  light: '●',
  alarm: '!',
  listUpdated: 'リスト更新',
  list: 'リスト',
  noList: '定期券リストなし',
  listStale: '期限切れ',
  idle: '待機中',
  noStatus: '状態 未受信',
} as const;

/** 240 → 「240円」, 1200 → 「1,200円」. */
export function yenJa(yen: number): string {
  return `${yen.toLocaleString('ja-JP')}円`;
}

/** `2026-12-31` (the wire and store form) → 「2026/12/31」; anything else is shown as given. */
export function dateJa(isoDate: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(isoDate) ? isoDate.replaceAll('-', '/') : isoDate;
}

/** List age: 「たった今」, 「10分前」, 「3時間前」, 「2日前」. */
export function ageJa(minutes: number): string {
  if (minutes < 1) return 'たった今';
  if (minutes < 60) return `${minutes}分前`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}時間前`;
  return `${Math.floor(minutes / (24 * 60))}日前`;
}

/** The list version as the depot names it: 「第2版」. */
export function versionJa(version: number): string {
  return `第${version}版`;
}
