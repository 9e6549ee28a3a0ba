/**
 * What the driver reads: Japanese texts for every verdict and reason, and pass kind names.
 * Presentation only; the adapters deliver these strings unchanged.
 */
import type { PassKind } from '../domain/pass.js';

export const KIND_JA: Record<PassKind, string> = {
  commuter: '通勤定期',
  student_free: 'まつえ通学フリーパス',
  student: '通学定期',
  disability: '障がい者定期',
};

/** Headline per reason. `excess_fare` is composed with the amount in screens.ts. */
export const REASON_JA: Record<string, string> = {
  ok: 'OK 定期券有効',
  excess_fare: '差額をお受け取りください',
  not_yet_valid: '有効期間前の定期券です',
  expired: '有効期限切れの定期券です',
  operator_not_covered: 'この会社のバスでは使えません',
  route_not_covered: 'この路線では定期券は使えません',
  outside_area: 'フリーパスの区域外です',
  suspended: '利用停止中の定期券です',
  refunded: '払い戻し済みの定期券です',
  card_changed: 'カード変更済み（旧カード）',
  no_pass: 'WEB定期券がありません',
  already_tapped_on: '乗車済みです（降車時にタッチ）',
  no_tap_on: 'ご乗車になった停留所をお知らせください',
  fare_unknown: '運賃不明 運賃表をご確認ください',
  list_stale: '定期券リストが古い 確認してください',
  not_icoca: 'ICOCAではありません',
  clock_invalid: '時計異常 確認してください',
};

export const ALARM_JA = {
  recordFailed: '記録エラー（保存できません）',
  /** records.sqlite cannot be written (a read-only mount): records are held in memory (issue 12). */
  readOnly: '記録エラー（書込不可）',
  /** Records held in memory reached their bound: new taps are decided but their records lost. */
  recordsOverflow: '記録エラー（一時保存満杯）',
  /** The disk has no room for the reserve: records will fail soon, or a restart used the reserve. */
  diskFull: '記録エラー（空き容量なし）',
  readerGone: 'リーダー未接続',
  listStale: 'リスト期限切れ',
  /** The clock is before the newest list or far beyond its expiry (device/rules/clock-trust.ts). */
  clockInvalid: '時計異常',
} as const;
