import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MATCH_WINDOW } from '../src/cli/replay-command.js';
import { loadManifest } from '../src/config/manifest.js';
import { closeDatabase, openDatabase } from '../src/db/sqlite/client.js';
import { openHistory, readEvents } from '../src/db/sqlite/history-source.js';
import { DAY } from '../src/domain/windows.js';
import { defaultJobs, replayDatabase } from '../src/replay/replay-database.js';
import { replayHistory } from '../src/replay/replay-engine.js';
import { generateUsageHistory } from './synthetic-history.js';

/**
 * How fast replay is:
 *   node --max-semi-space-size=64 --import tsx bench/replay-benchmark.ts [events] [manifest]
 * (default 1,000,000 events, manifests/pls.yml). Writes a seeded synthetic history into a fresh
 * SQLite file through the real migrations, then times what `npm run replay` does — stream the
 * `events` table with `.iterate()` and re-score it — in this process with one manifest and with
 * two (a candidate and the live one: the CLI's default), and split across processes
 * (`--jobs`). Not part of `npm test`.
 */
const wanted = Number(process.argv[2] ?? 1_000_000);
const manifestPath = process.argv[3] ?? 'manifests/pls.yml';
const manifest = loadManifest(manifestPath);
const dir = mkdtempSync(join(tmpdir(), 'pls-replay-bench-'));
const path = join(dir, 'pls.db');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
try {
  // ~1.55 events per account-day across the arcs: size the population to the target.
  const days = 90;
  const accounts = Math.max(10, Math.ceil(wanted / (days * 1.55)));
  const db = openDatabase(path);
  const insert = db.$client.prepare(
    `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, processed_at, properties, account_patch, user_patch)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let written = 0;
  const t0 = performance.now();
  db.$client.transaction(() => {
    for (const e of generateUsageHistory({ seed: 42, accounts, days, start: Date.UTC(2026, 5, 1) })) {
      insert.run(
        e.id,
        e.source,
        e.type,
        e.accountId,
        e.userId,
        e.occurredAt,
        e.receivedAt,
        e.processedAt,
        e.properties,
        e.accountPatch,
        e.userPatch,
      );
      if (++written >= wanted) break;
    }
  })();
  closeDatabase(db);
  const out = [
    `history: ${written.toLocaleString('en-US')} events, ${accounts.toLocaleString('en-US')} accounts, ${days} days (written in ${seconds(performance.now() - t0)})`,
  ];
  const rate = (ms: number) => `${Math.round(written / (ms / 1000)).toLocaleString('en-US')} events/s`;

  const history = openHistory(path);
  const inProcess = (lanes: number, exhaustive = false) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = replayHistory({
      manifests: Array(lanes).fill(manifest),
      events: readEvents(history),
      exhaustive,
    });
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - started;
    out.push(
      `in-process${exhaustive ? ', exhaustive' : ''}, ${lanes} manifest${lanes === 1 ? ': ' : 's:'} ${seconds(ms)} wall, ${seconds((used.user + used.system) / 1000)} CPU (${rate(ms)}); ${result.lanes[0]!.alerts.length.toLocaleString('en-US')} alerts`,
    );
  };
  inProcess(1);
  inProcess(1, true); // every event scored in full: what the early exits save
  inProcess(2);
  history.close();

  const jobs = defaultJobs();
  for (const lanes of [1, 2]) {
    const started = performance.now();
    await replayDatabase({
      database: { url: `file:${path}`, path, engine: 'sqlite' },
      manifests: Array(lanes).fill(manifest),
      liveAlerts: [],
      matchWindow: MATCH_WINDOW,
      purchaseLookback: 30 * DAY,
      until: Date.UTC(2026, 9, 1),
      jobs,
    });
    const ms = performance.now() - started;
    out.push(
      `--jobs ${jobs}, ${lanes} manifest${lanes === 1 ? ': ' : 's:'} ${seconds(ms)} wall (${rate(ms)})`,
    );
  }
  out.push(`node ${process.version}, ${manifestPath}`);
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
