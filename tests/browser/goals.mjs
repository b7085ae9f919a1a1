#!/usr/bin/env node
/*
 * Browser tests of the goal board (/admin/goals) and the quarterly report
 * (/admin/goals/report) against the real server in Debian's Chromium:
 * rendered with axe-core (0 violations), the verdicts in words, the SVG
 * lines, and the report printed to PDF as one A4 page per survey.
 *
 *   make browser   (runs run.mjs, then this file)
 *
 * The data: the four newest closed quarters, written straight into the database
 * with the sqlite3 tool before the server starts (it recounts its
 * summaries on start).  Last line: "browser goals: N passed, M failed".
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const OUT = path.join(HERE, 'out', 'goals');
const CHROMIUM = '/usr/bin/chromium';
const BINARY = path.resolve(ROOT, process.env.KLANKBORD_BIN || path.join('build', 'klankbord'));
const AXE = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const PW = 'correct horse battery';
const NCHECKS = 3;

function log(...a) { console.log(...a); }

if (!fs.existsSync(CHROMIUM)) {
  if (process.env.KLANKBORD_BROWSER_OPTIONAL === '1') {
    log(`browser goals: 0 passed, 0 failed, ${NCHECKS} skipped (no ${CHROMIUM})`);
    process.exit(0);
  }
  log(`FAIL ${CHROMIUM} not found (apt-get install chromium)`);
  log('browser goals: 0 passed, 1 failed');
  process.exit(1);
}
const { chromium } = await import('playwright-core');
const AXE_SOURCE = fs.readFileSync(AXE, 'utf8');
fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });

/* Surveys: the goal fixture of the integration tests and the staff pulse. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-goals-'));
const SURVEYS = path.join(TMP, 'surveys');
const DB = path.join(TMP, 'k.db');
fs.mkdirSync(SURVEYS);
const FIXTURE = path.join(ROOT, 'tests', 'integration', 'goals_surveys');
for (const f of ['doeltest.json', 'locations.json']) fs.copyFileSync(path.join(FIXTURE, f), path.join(SURVEYS, f));
fs.copyFileSync(path.join(ROOT, 'surveys', 'medewerkers.json'), path.join(SURVEYS, 'medewerkers.json'));

execFileSync(BINARY, ['user', 'add', 'ann', '--role', 'admin', '--db', DB], { input: PW + '\n', stdio: ['pipe', 'pipe', 'pipe'] });

/* The server's publishing rule (publish.c): a month is closed from the
 * Monday after the ISO week of its last Thursday, published a day later.
 * The four newest closed quarters, a week in the first month of each. */
function monthAdd(y, m, n) { const t = y * 12 + (m - 1) + n; return [Math.floor(t / 12), t % 12 + 1]; }
function latestPublished() {
  /* Today in the server's time zone (Europe/Amsterdam unless KLANKBORD_TZ). */
  const tz = process.env.KLANKBORD_TZ || 'Europe/Amsterdam';
  const [ty, tm, td] = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date()).split('-').map(Number);
  const today = new Date(ty, tm - 1, td);
  let [y, m] = [ty, tm];
  for (let i = 0; i < 3; i++) {
    const last = new Date(y, m, 0);
    last.setDate(last.getDate() - ((last.getDay() + 6) % 7 - 3 + 7) % 7);
    last.setDate(last.getDate() + 5);
    if (last <= today) return [y, m];
    [y, m] = monthAdd(y, m, -1);
  }
  return [y, m];
}
/* The ISO week of a date: the year and week of its Thursday. */
function isoWeek(d) {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  t.setUTCDate(t.getUTCDate() + 3 - (t.getUTCDay() + 6) % 7);
  const y = t.getUTCFullYear();
  const w = 1 + Math.floor((t - Date.UTC(y, 0, 1)) / (7 * 86400000));
  return `${y}-W${String(w).padStart(2, '0')}`;
}
const [ly, lm] = latestPublished();
const [qy, qm] = monthAdd(ly, lm, -(lm % 3));
const QUARTERS = [3, 2, 1, 0].map((i) => {
  const [ey, em] = monthAdd(qy, qm, -3 * i);
  return { label: `${ey}-Q${Math.ceil(em / 3)}`, week: isoWeek(new Date(ey, em - 3, 15)) };
});
const WEEKS = QUARTERS.map((q) => q.week);
/* The fixture's baselines move to the first of those quarters. */
{
  const [fy, fm] = monthAdd(qy, qm, -11);
  const mm = (y, m) => `${y}-${String(m).padStart(2, '0')}`;
  const text = fs.readFileSync(path.join(SURVEYS, 'doeltest.json'), 'utf8')
    .replaceAll('2025-01/2025-03', `${mm(fy, fm)}/${mm(...monthAdd(fy, fm, 2))}`)
    .replaceAll('2025-01/2025-02', `${mm(fy, fm)}/${mm(...monthAdd(fy, fm, 1))}`);
  fs.writeFileSync(path.join(SURVEYS, 'doeltest.json'), text);
}
const LOCS = ['overvecht', 'vechtzoom', 'spoorzoom', 'utrecht-west'];
const values = [];
WEEKS.forEach((week, q) => {
  LOCS.forEach((loc, l) => {
    for (let i = 0; i < 8 + l; i++) {
      const a = { cijfer: 5 + q + (i % 3), gehoord: Math.max(1, 5 - q - (i % 2)), aantal: i < 6 - q ? '3' : '1',
        plan: i % 2 === 0, tip: 'vrije tekst' };
      values.push(`(abs(random()) | 1, 'doeltest', 1, 'qr', '${loc}', 'nl', '${week}', '${JSON.stringify(a)}', randomblob(16))`);
      const s = { werkdruk: i % 3 === 0 ? 'te-hoog' : 'hoog', werkplezier: 6 + (i % 4), tijd_voor_gezinnen: i % 2 === 1 };
      values.push(`(abs(random()) | 1, 'medewerkers', 1, 'web', '${loc}', 'nl', '${week}', '${JSON.stringify(s)}', randomblob(16))`);
    }
  });
});
execFileSync('sqlite3', [DB, 'INSERT INTO responses (id, survey, version, channel, location, lang, week, answers, submission) VALUES ' +
  values.join(',') + ';']);

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, ['serve', '--port', '0', '--db', DB, '--surveys', SURVEYS, '--web-dir',
      path.join(ROOT, 'kiosk')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let buf = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('server did not start:\n' + buf)); }, 20000);
    child.stderr.on('data', (d) => {
      buf += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(buf);
      if (m && !child.base) {
        clearTimeout(timer);
        child.base = `http://127.0.0.1:${m[1]}`;
        resolve(child);
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); if (!child.base) reject(new Error(`server exited (${code}):\n${buf}`)); });
  });
}

async function axe(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  assert.ok(res.passes.length > 10, `axe ran its rules on ${label}`);
  if (res.violations.length) {
    fs.appendFileSync(path.join(OUT, 'axe-violations.txt'), res.violations.map((x) =>
      `${label}: ${x.id} (${x.impact}): ${x.help}\n` + x.nodes.map((n) => `  - ${n.target.join(' ')}\n    ${n.html}`).join('\n')
    ).join('\n') + '\n');
  }
  return res.violations.map((x) => `${label}: ${x.id} (${x.impact}): ${x.help}`);
}

/* A PDF's pages, as Chromium writes them: one "/Type /Page" object each. */
function pdfPages(buf) {
  const s = buf.toString('latin1');
  const sizes = [...s.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
  return { count: (s.match(/\/Type\s*\/Page(?!s)/g) || []).length, sizes };
}

const server = await startServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const problems = [];
page.on('pageerror', (e) => problems.push('page error: ' + e.message));
page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push('console: ' + m.text()); });
page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`); });

const checks = [];
function check(name, fn) { checks.push({ name, fn }); }

check('goal board: verdicts in words, values, lines, per location, axe 0 violations', async () => {
  await page.goto(server.base + '/admin/login');
  await page.fill('#user', 'ann');
  await page.fill('#password', PW);
  await Promise.all([page.waitForURL((u) => u.pathname === '/admin/'), page.click('main form button[type="submit"]')]);
  await page.goto(server.base + '/admin/goals?survey=doeltest');
  assert.equal((await page.textContent('main h1')).trim(), 'Doelen van de pilot');
  const rows = page.locator('table.goals').first().locator('tbody tr');
  assert.equal(await rows.count(), 5, 'one row per goal');
  const first = await rows.nth(0).textContent();
  assert.match(first, /Tevredenheid omhoog/);
  assert.match(first, /gaat de goede kant op/);
  assert.match(await rows.nth(1).textContent(), /gaat de verkeerde kant op/);
  assert.match(await rows.nth(4).textContent(), /nog te weinig reacties/);
  assert.match(first, new RegExp(`\\d+,\\d \\(\\d+ antwoorden\\)`));
  assert.doesNotMatch(first, /geen gegevens/, 'a baseline from the first quarter');
  assert.match(await page.textContent('table.goals thead'), new RegExp(`Laatste kwartaal \\(${QUARTERS[3].label}\\)`));
  /* A line per goal, with its values said in words for screen readers. */
  const label = await rows.nth(0).locator('svg').getAttribute('aria-label');
  assert.match(label, new RegExp(`^Verloop per kwartaal: ${QUARTERS[0].label} \\d+,\\d; ${QUARTERS[1].label}`));
  const locTable = page.locator('table.goals').nth(1);
  assert.match(await locTable.locator('caption').textContent(), /Per locatie/);
  assert.equal(await locTable.locator('thead th').count(), 5, 'goal and four locations');
  const v = await axe(page, 'goal board');
  await page.screenshot({ path: path.join(OUT, 'goal-board.png'), fullPage: true });
  assert.deepEqual(v, [], 'axe violations (out/goals/axe-violations.txt)');
  assert.deepEqual(problems, []);
});

check('goal board: every survey with goals, the staff pulse beside the clients, axe 0 violations', async () => {
  await page.goto(server.base + '/admin/goals');
  const heads = await page.locator('main h2').allTextContents();
  assert.deepEqual(heads.map((h) => h.split(':')[0]), ['Ouders', 'Medewerkers']);
  assert.match(await page.textContent('main'), /Anonimiteitsdrempel: 10 reacties/);
  const v = await axe(page, 'goal board, all surveys');
  await page.screenshot({ path: path.join(OUT, 'goal-board-all.png'), fullPage: true });
  assert.deepEqual(v, [], 'axe violations (out/goals/axe-violations.txt)');
  assert.deepEqual(problems, []);
});

check('quarterly report: axe 0 violations, printed as one A4 page per survey', async () => {
  for (const [url, want] of [['/admin/goals/report?survey=doeltest', 1], ['/admin/goals/report', 2]]) {
    await page.goto(server.base + url);
    assert.equal(await page.locator('section.sheet').count(), want);
    assert.match(await page.textContent('section.sheet'), /Zo leest u dit/);
    assert.match(await page.textContent('section.sheet'),
      new RegExp(`Kwartalen ${QUARTERS[0].label} tot en met ${QUARTERS[3].label}\\. \\d+ reacties`));
    const v = await axe(page, 'report ' + url);
    assert.deepEqual(v, [], 'axe violations (out/goals/axe-violations.txt)');
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: path.join(OUT, `report-${want}-print.png`), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    fs.writeFileSync(path.join(OUT, `report-${want}.pdf`), pdf);
    const { count, sizes } = pdfPages(pdf);
    assert.equal(count, want, `${url}: ${count} pages, want ${want}`);
    /* A4 is 595 x 842 points. */
    for (const [w, h] of sizes) assert.ok(Math.abs(w - 595) < 2 && Math.abs(h - 842) < 2, `A4, got ${w} x ${h}`);
  }
  assert.deepEqual(problems, []);
});

let passed = 0, failed = 0;
try {
  for (const c of checks) {
    const t0 = Date.now();
    try {
      await c.fn();
      passed++;
      log(`ok   ${c.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      log(`FAIL ${c.name}\n     ${String(e && e.stack || e).split('\n').slice(0, 8).join('\n     ')}`);
    }
  }
} finally {
  await browser.close().catch(() => {});
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(TMP, { recursive: true, force: true });
}
log(`browser goals: ${passed} passed, ${failed} failed`);
process.exit(failed || passed !== NCHECKS ? 1 : 0);
