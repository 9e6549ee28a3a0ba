/**
 * Lays a verdict screen and a status line out as the lines the driver reads, with the words of
 * messages-ja.ts. The display-unit simulator draws these lines in its box; the console display
 * prints them on one line each (it gets `screenText` from the composition root, so no adapter
 * holds wording of its own). Pure.
 */
import type { StatusLine, VerdictScreen, VerdictTone } from '../../hardware/ports/driver-display.js';
import {
  ageJa,
  dateJa,
  LABEL_JA,
  LIGHT_JA,
  LINK_JA,
  READER_JA,
  READER_STATE_JA,
  TONE_JA,
  versionJa,
  yenJa,
} from './messages-ja.js';

/** A verdict screen's four lines; '' when the screen has nothing for that line. */
export interface VerdictLines {
  /** 「降車 差額 50円 収受」: the reader, then the headline as the device composed it. */
  readonly headline: string;
  /** 「障がい者定期  有効期限 2026/06/30」 */
  readonly details: string;
  /** 「運賃 240円  差額 40円」 */
  readonly money: string;
  /** 「カード JW1234********789」 */
  readonly card: string;
}

export function verdictLines(s: VerdictScreen): VerdictLines {
  const where = s.reader ? `${READER_JA[s.reader]} ` : '';
  const details = [s.kind, s.validUntil ? `${LABEL_JA.validUntil} ${dateJa(s.validUntil)}` : null];
  const money = [
    s.fare !== null ? `${LABEL_JA.fare} ${yenJa(s.fare)}` : null,
    s.excess !== null ? `${LABEL_JA.excess} ${yenJa(s.excess)}` : null,
  ];
  return {
    headline: `${where}${s.headline}`,
    details: joinSet(details),
    money: joinSet(money),
    card: s.card ? `${LABEL_JA.card} ${s.card}` : '',
  };
}

/** The status part of the screen; `alarms` are already Japanese (device/daemon/status-line.ts). */
export interface StatusLines {
  /** 「リスト更新 10分前 第2版」, with 「期限切れ」 when stale; 「定期券リストなし」. */
  readonly list: string;
  /** 「通信 オンライン」 */
  readonly link: string;
  /** 「乗車:正常 降車:未接続」, '' with no readers. */
  readonly readers: string;
  /** 「! 記録エラー 保存不可」, one per alarm. */
  readonly alarms: readonly string[];
}

export function statusLines(s: StatusLine): StatusLines {
  let list: string = LABEL_JA.noList;
  if (s.listVersion !== null) {
    const when =
      s.listAgeMinutes === null ? LABEL_JA.list : `${LABEL_JA.listUpdated} ${ageJa(s.listAgeMinutes)}`;
    list = `${when} ${versionJa(s.listVersion)}`;
  }
  if (s.listStale) list = `${list} ${LABEL_JA.listStale}`;
  return {
    list,
    link: `${LABEL_JA.link} ${LINK_JA[s.link]}`,
    readers: s.readers.map((r) => `${READER_JA[r.reader]}:${READER_STATE_JA[r.state] ?? r.state}`).join(' '),
    alarms: s.alarms.map((a) => `${LABEL_JA.alarm} ${a}`),
  };
}

/** 「音 ピッ」: what the buzzer plays. */
export function toneLine(tone: VerdictTone): string {
  return `${LABEL_JA.tone} ${TONE_JA[tone]}`;
}

/** 「● 緑」: what the passenger light shows. */
export function lightLine(tone: VerdictTone): string {
  return `${LABEL_JA.light} ${LIGHT_JA[tone]}`;
}

/**
 * The whole screen as text lines, for a display that prints lines (the console display).
 * Matches hardware/console/console-display.ts's ScreenText structurally.
 */
export const screenText = {
  verdict(s: VerdictScreen): string[] {
    const l = verdictLines(s);
    return [l.headline, l.details, l.money, l.card].filter((x) => x !== '');
  },
  status(s: StatusLine): string[] {
    const l = statusLines(s);
    return [l.list, l.link, l.readers, ...l.alarms].filter((x) => x !== '');
  },
  signal(tone: VerdictTone): string {
    return `${toneLine(tone)}  ${lightLine(tone)}`;
  },
};

function joinSet(parts: ReadonlyArray<string | null>): string {
  return parts.filter((p): p is string => p !== null && p !== '').join('  ');
}
