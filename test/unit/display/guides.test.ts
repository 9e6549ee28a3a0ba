/**
 * The Japanese guides against the real screens and command line (issue 11): DRIVER-GUIDE.md
 * quotes every headline, alarm, status word and tone exactly as messages-ja.ts has them, its
 * sample screen is what the display unit draws, and no retired wording or spelling is left in it;
 * DEPOT-QUICKSTART.ja.md walks depot staff through install, keys, TLS, publish, collect and fleet
 * with the option names of the one command line.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALARM_JA,
  KIND_JA,
  LIGHT_JA,
  LINK_JA,
  REASON_JA,
  TONE_JA,
} from '../../../device/display/messages-ja.js';
import { SIGNAL_PATTERNS } from '../../../hardware/serial/display-signal.js';
import { renderScreen } from '../../../simulator/display-unit/render.js';
import { screenOf, statusOf } from './screen-cases.js';
import { STATUS_ROWS, type StatusRow, VERDICT_ROWS } from './screen-texts.table.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const guide = readFileSync(resolve(ROOT, 'systemd/DRIVER-GUIDE.md'), 'utf8');
const japanese = guide.slice(guide.indexOf('## 日本語'), guide.indexOf('## English'));
/** Table rows of the Japanese part, as arrays of trimmed cells. */
const rows = japanese
  .split('\n')
  .filter((l) => l.startsWith('|'))
  .map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );
const firstCells = new Set(rows.map((r) => r[0]));

describe('DRIVER-GUIDE.md', () => {
  it('is written in Japanese first, English after', () => {
    expect(japanese.length).toBeGreaterThan(2000);
    expect(guide.indexOf('## 日本語')).toBeLessThan(guide.indexOf('## English'));
  });

  it('has a row for every headline the screen shows, worded exactly as the screen', () => {
    for (const [reason, text] of Object.entries(REASON_JA)) {
      if (reason === 'excess_fare') continue; // shown with its amount, below
      expect(firstCells, text).toContain(text);
    }
    expect(firstCells).toContain('差額 N円 収受');
  });

  it('gives each verdict the tone the passenger hears with it', () => {
    for (const r of VERDICT_ROWS) {
      if (r.reason === 'excess_fare') continue;
      const row = rows.find((cells) => cells[0] === REASON_JA[r.reason]);
      expect(row?.[1], r.reason).toBe(TONE_JA[r.tone]);
    }
  });

  it('spells each tone and light as the screen does', () => {
    for (const tone of ['accept', 'reject', 'attention'] as const) {
      expect(
        rows.some((cells) => cells[0] === TONE_JA[tone] && cells[1] === LIGHT_JA[tone]),
        tone,
      ).toBe(true);
    }
  });

  it('explains every status word and alarm', () => {
    for (const alarm of Object.values(ALARM_JA)) expect(firstCells, alarm).toContain(`! ${alarm}`);
    for (const link of Object.values(LINK_JA)) expect(firstCells, link).toContain(`通信 ${link}`);
    for (const name of ['a healthy bus', 'a stale list', 'no list, no depot link, a reader gone'])
      expect(firstCells, name).toContain(statusRow(name).lines[0]);
    expect(firstCells).toContain(statusRow('a healthy bus').lines[2]);
    for (const kind of Object.values(KIND_JA)) expect(japanese, kind).toContain(kind);
  });

  it('shows a sample screen exactly as the display unit draws it', () => {
    const excess = VERDICT_ROWS.find((r) => r.reason === 'excess_fare' && r.excess === 50)!;
    const state = {
      verdict: screenOf(excess),
      status: statusOf(statusRow('a healthy bus')),
      signal: SIGNAL_PATTERNS.attention,
    };
    expect(guide).toContain(renderScreen(state, { colour: false }));
  });

  it('keeps no retired wording, spelling or half-width bracket in the Japanese part', () => {
    for (const old of [
      '¥',
      'お受け取り',
      'お知らせください',
      'ピポーン',
      'ピンポーン',
      'ピンポン・ピンポン',
      'リスト v',
      '保存できません',
      'ではありません',
      'がありません',
    ])
      expect(guide, old).not.toContain(old);
    // The screen says 通信 オンライン / オフライン, so the Japanese part does too.
    expect(japanese).not.toMatch(/online|offline/);
    const prose = japanese.replace(/```[\s\S]*?```/g, '').replace(/`[^`]*`/g, '');
    expect(prose).not.toMatch(/[()]/);
    for (const m of guide.matchAll(/\d{4}[-/.]\d{1,2}[-/.]\d{1,2}/g))
      expect(m[0]).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
  });
});

function statusRow(name: string): StatusRow {
  const row = STATUS_ROWS.find((r) => r.name === name);
  if (!row) throw new Error(`no status row ${name}`);
  return row;
}

describe('DEPOT-QUICKSTART.ja.md', () => {
  const quick = readFileSync(resolve(ROOT, 'systemd/DEPOT-QUICKSTART.ja.md'), 'utf8');
  const commands = [...quick.matchAll(/^\s*(?:runuser -u \S+ -- )?teiki ([a-z -]+?)(?= --| \\|$)/gm)].map(
    (m) => m[1],
  );

  it('is in Japanese and covers install, keys, TLS, publish, collect and fleet in that order', () => {
    const steps = [
      'インストール',
      '鍵は 2 種類',
      'TLS',
      '配信する（publish）',
      '回収する（collect）',
      '車両一覧',
    ];
    const at = steps.map((h) => quick.indexOf(h));
    expect(
      at.every((i) => i >= 0),
      JSON.stringify(at),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(commands).toEqual(
      expect.arrayContaining([
        'depot keys generate',
        'depot tls init',
        'depot publish',
        'depot collect',
        'depot fleet',
      ]),
    );
  });

  it('names the signing key and the TLS files with their own options, never the old ones', () => {
    for (const option of ['--signing-key', '--tls-key', '--tls-cert', '--ca'])
      expect(quick).toContain(option);
    expect(quick).not.toMatch(/--key |--cert |--client-key/);
    expect(quick).toContain('teiki depot tls init --out /root/teiki-tls --bus bus-101');
  });

  it('quotes the bus screen exactly as the driver sees it', () => {
    expect(quick).toContain(`「${ALARM_JA.listStale}」`);
    expect(quick).toContain('「通信 オンライン」');
    expect(quick).not.toMatch(/リスト期限切れ」|¥/);
  });
});
