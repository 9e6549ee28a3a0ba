/**
 * `npm run bench` (issue 6): every budget of DESIGN.md measured after a warm-up, written as one
 * JSON document to stdout and to bench-results.json, with the targets judged in `targets`.
 * `--quick` runs a small list (the CI smoke run, test/system/bench-smoke.test.ts: no thresholds).
 * Progress goes to stderr. `--check` exits 1 when a target is missed.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchDaemon } from './daemon.js';
import { benchDecision } from './decision.js';
import { benchImportTaps } from './import-taps.js';
import { listFixture } from './list-fixture.js';
import { benchSnapshot } from './snapshot.js';
import { benchTapToDisplay } from './tap-to-display.js';
import { benchUpload } from './upload.js';

const USAGE = `usage: npm run bench [-- --quick] [-- --passes N] [-- --check]
  Measures decision, tap to display (pcscd + vpcd + pty), snapshot apply (1M passes over a real
  mosquitto), taps through the daemon during a local import, record upload, and the daemon's RSS
  and start-to-ready, then prints one JSON
  document (also written to bench-results.json) with the targets of issue 6 judged in "targets".
  --quick     a 20,000-pass list and fewer samples (the CI smoke run; no thresholds)
  --passes N  list size (default 1,000,000; 20,000 with --quick)
  --check     exit 1 when a target is missed
  --help      this text
Progress goes to stderr.
`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const known = new Set(['--quick', '--passes', '--check']);
const unknown = args.filter((a, i) => a.startsWith('-') && !known.has(a) && args[i - 1] !== '--passes');
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown option ${unknown[0]}\n${USAGE}`);
  process.exit(2);
}
const quick = args.includes('--quick');
const passesArg = args.indexOf('--passes');
const passes = passesArg >= 0 ? Number(args[passesArg + 1]) : quick ? 20_000 : 1_000_000;
if (!Number.isSafeInteger(passes) || passes < 1_000) {
  process.stderr.write('bench: --passes needs a whole number ≥ 1000\n');
  process.exit(2);
}
const began = performance.now();
const log = (msg: string) =>
  process.stderr.write(`bench [${((performance.now() - began) / 1000).toFixed(1)} s]: ${msg}\n`);
const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100);

const db = await listFixture(passes, log);

log('decision (in process)');
const decision = benchDecision(db, passes, quick ? 20_000 : 200_000);

log('tap to display (pcscd + vpcd + nfc-pcsc + pipeline + pty)');
const tap = await benchTapToDisplay(db, passes, quick ? 10 : 100, log);

log('snapshot: the nightly case (the bus holds a list of the same size)');
const snapshot = await benchSnapshot(passes, log, 'same-list');
log('snapshot: the first list (an empty bus)');
const first = await benchSnapshot(passes, log, 'empty');

log('import: the nightly export, taps through the daemon (teiki run beside teiki passes import)');
const importNightly = await benchImportTaps(passes, quick ? 1 : 2, log, 'nightly');
log('import: a list that changes whole');
const importWhole = await benchImportTaps(passes, 1, log, 'whole');

const uploadRecords = quick ? 5_000 : 100_000;
log('upload: warm-up (2,000 records)');
await benchUpload(2_000);
log(`upload: ${uploadRecords} records`);
const upload = await benchUpload(uploadRecords);

log('daemon: start to ready, RSS');
const daemon = await benchDaemon(passes, quick ? 2 : 5, log);

const targets = {
  'decision_us.p99 <= 100': decision.decision_us.p99 <= 100,
  'decision_us.p99 <= 3 x sqlite_point_lookup_us.p99': decision.decision_over_lookup_p99 <= 3,
  'tap_to_display_ms.p99 - raw_card_event_ms.p99 <= 5': tap.tap_minus_raw_p99_ms <= 5,
  'snapshot_total_s <= 15 (publish + transfer + apply)': snapshot.total_s <= 15,
  'snapshot_first_list.total_s <= 15': first.total_s <= 15,
  'tap_during_apply_ms.p99 <= 2': snapshot.tap_during_apply_ms.p99 <= 2 && first.tap_during_apply_ms.p99 <= 2,
  'event_loop_delay_during_apply_ms.max <= 10':
    snapshot.event_loop_delay_during_apply_ms.max <= 10 && first.event_loop_delay_during_apply_ms.max <= 10,
  'tap_during_import_ms.p99 <= 2':
    importNightly.tap_during_import_ms.p99 <= 2 && importWhole.tap_during_import_ms.p99 <= 2,
  'event_loop_delay_during_import_ms.max <= 10':
    importNightly.event_loop_delay_during_import_ms.max <= 10 &&
    importWhole.event_loop_delay_during_import_ms.max <= 10,
  'upload_records_per_s >= 5000': upload.upload_records_per_s >= 5_000,
  'rss_mb <= 150': daemon.rss_mb <= 150,
  'start_to_ready_ms.max <= 1000': daemon.start_to_ready_ms.max <= 1_000,
};
const result = {
  date: new Date().toISOString(),
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? null,
    memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    load_average_at_start: loadAtStart,
    load_average_at_end: loadavg().map((x) => Math.round(x * 100) / 100),
  },
  passes,
  quick,
  ...decision,
  ...tap,
  snapshot_apply_s: snapshot.snapshot_apply_s,
  tap_during_apply_ms: snapshot.tap_during_apply_ms,
  event_loop_delay_during_apply_ms: snapshot.event_loop_delay_during_apply_ms,
  stalls_over_10ms_during_apply: snapshot.stalls_over_10ms,
  snapshot_total_s: snapshot.total_s,
  snapshot_publish_s: snapshot.publish_s,
  snapshot_transfer_s: snapshot.transfer_s,
  snapshot_bytes: snapshot.snapshot_bytes,
  snapshot_chunks: snapshot.chunks,
  snapshot_method: snapshot.method,
  snapshot_first_list: first,
  ...importNightly,
  import_whole_list: importWhole,
  ...upload,
  ...daemon,
  targets,
  all_targets_met: Object.values(targets).every(Boolean),
  bench_s: Math.round((performance.now() - began) / 100) / 10,
};
const json = JSON.stringify(result, null, 2);
writeFileSync('bench-results.json', `${json}\n`);
process.stdout.write(`${json}\n`);
const missed = Object.entries(targets).filter(([, met]) => !met);
log(missed.length === 0 ? 'every target met' : `missed: ${missed.map(([t]) => t).join('; ')}`);
// Exit now: a library's lingering handle (a reader context, a socket in TIME_WAIT) must not hold
// the run open after the document is out.
process.exit(args.includes('--check') && missed.length > 0 ? 1 : 0);
