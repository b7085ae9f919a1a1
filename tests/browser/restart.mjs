#!/usr/bin/env node
/*
 * The kiosk's queue across a Chromium restart, through the real launcher
 * (kiosk/klankbord-kiosk.sh) and its profile:
 *
 *   the server goes down; a young person finishes the survey on the kiosk
 *   (the answers wait in the queue); Chromium is killed; the launcher waits
 *   for the server; the server comes back; the launcher starts Chromium
 *   again on the same profile; the answers are sent: stored exactly once.
 *   Cookies and history of the first run are gone in the second.
 *
 * Chromium runs headless through a wrapper named in KLANKBORD_CHROMIUM, with
 * a DevTools port of its own choosing (read from the profile), so
 * playwright-core can attach.  Last line: "browser-restart: N passed, M failed".
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const BINARY = path.resolve(ROOT, process.env.KLANKBORD_BIN || path.join('build', 'klankbord'));
const LAUNCHER = path.join(ROOT, 'kiosk', 'klankbord-kiosk.sh');

function log(...a) { console.log(...a); }

if (!fs.existsSync(CHROMIUM)) {
  if (process.env.KLANKBORD_BROWSER_OPTIONAL === '1') {
    log(`browser-restart: skipped: ${CHROMIUM} not found, KLANKBORD_BROWSER_OPTIONAL=1`);
    process.exit(0);
  }
  log(`FAIL ${CHROMIUM} not found: install it with apt-get install chromium`);
  log('browser-restart: 0 passed, 1 failed');
  process.exit(1);
}
const { chromium } = await import('playwright-core');

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-restart-'));
const DB = path.join(TMP, 'k.db');
const PROFILE = path.join(TMP, 'profile');
const WRAPPER = path.join(TMP, 'chromium');
fs.writeFileSync(WRAPPER, `#!/bin/sh
exec ${CHROMIUM} --headless=new --no-sandbox --disable-gpu --disable-quic \\
  --disable-background-networking --disable-component-update \\
  --remote-debugging-port=0 "$@"
`, { mode: 0o755 });

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const serverLog = [];
function startServer(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, ['serve', '--port', String(port), '--db', DB,
      '--surveys', path.join(ROOT, 'surveys'), '--web-dir', path.join(ROOT, 'kiosk'),
      '--rate-limit', 'off'], { cwd: TMP, stdio: ['ignore', 'ignore', 'pipe'] });
    let buf = '';
    child.stderr.on('data', (d) => {
      buf += d;
      serverLog.push(String(d));
      if (/listening on http:\/\/127\.0\.0\.1:\d+/.test(buf)) {
        buf = '';
        resolve({ child, exited: new Promise((r) => child.once('exit', r)) });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${serverLog.join('')}`)));
  });
}

async function stopServer(s) {
  s.child.kill('SIGTERM');
  await s.exited;
}

async function waitFor(fn, what, ms = 30000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { if ((last = await fn())) return last; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}` + (last instanceof Error ? `: ${last.message}` : ''));
    await new Promise((r) => setTimeout(r, 200));
  }
}

function sql(query) {
  const out = execFileSync('sqlite3', ['-readonly', '-json', DB, query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

/* The Chromium the launcher started: its DevTools port, and its pid (the
 * process whose command line names our profile and is not a helper). */
async function attach() {
  const portFile = path.join(PROFILE, 'DevToolsActivePort');
  const port = await waitFor(() => fs.existsSync(portFile) &&
    Number(fs.readFileSync(portFile, 'utf8').split('\n')[0]), 'DevToolsActivePort');
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const page = await waitFor(() => browser.contexts()[0]?.pages().find((p) => p.url().includes('/kiosk/')),
    'the kiosk page');
  await page.waitForSelector('main.start');
  return { browser, page };
}

function chromiumPid() {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd;
    try { cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    if (/chrom/.test(path.basename(cmd[0])) && cmd.includes(`--user-data-dir=${PROFILE}`) &&
        !cmd.some((a) => a.startsWith('--type='))) return Number(d);
  }
  return 0;
}

/* The same simple respondent as run.mjs. */
async function qid(page) {
  return page.evaluate(() => {
    const m = document.querySelector('main');
    return m.classList.contains('thanks') ? 'THANKS' : m.classList.contains('start') ? 'START' : m.dataset.qid;
  });
}

function answerFor(q, marker) {
  switch (q.type) {
    case 'smiley': return q.faces === 4 ? 3 : 4;
    case 'grade': return 8;
    case 'scale': return q.max - 1;
    case 'choice': return q.options[0].id;
    case 'multi': return q.options.slice(0, 2).map((o) => o.id);
    case 'yesno': return true;
    case 'text': return `${marker} meer tijd voor gesprekken`;
    default: throw new Error('unknown type ' + q.type);
  }
}

async function answerAll(page, def, marker) {
  const opt = (v) => `main label.opt:has(input[value="${String(v)}"])`;
  await page.click('#start');
  for (let guard = 0; guard < 60; guard++) {
    const id = await qid(page);
    if (id === 'THANKS') return;
    const q = def.questions.find((x) => x.id === id);
    assert.ok(q, `screen for unknown question ${id}`);
    const v = answerFor(q, marker);
    if (q.type === 'text') await page.fill('#q-text', v);
    else if (q.type === 'multi') { for (const x of v) await page.click(opt(x)); }
    else await page.click(opt(v));
    await page.click('#next');
    await page.waitForFunction((b) => {
      const m = document.querySelector('main');
      return m && (m.classList.contains('thanks') || m.dataset.qid !== b);
    }, id);
  }
  throw new Error('never reached the thank-you screen');
}

let passed = 0, failed = 0, launcher = null, server = null;
try {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = await startServer(port);
  const def = await (await fetch(`${base}/api/surveys/jongeren`)).json();
  const launcherLog = [];
  launcher = spawn('sh', [LAUNCHER, `${base}/kiosk/overvecht?survey=jongeren`], {
    env: { ...process.env, KLANKBORD_CHROMIUM: WRAPPER, KLANKBORD_KIOSK_PROFILE: PROFILE, DISPLAY: '' },
    stdio: ['ignore', 'ignore', 'pipe']
  });
  launcher.stderr.on('data', (d) => launcherLog.push(String(d)));

  let { browser, page } = await attach();
  /* Something a respondent could leave behind, besides the queue. */
  await page.evaluate(() => { document.cookie = 'left=behind; max-age=86400'; });
  assert.equal(await page.evaluate(() => document.cookie), 'left=behind');

  /* The network (here: the server) is gone; a young person finishes. */
  await stopServer(server);
  server = null;
  await answerAll(page, def, 'kbtest-restart');
  const queued = await page.evaluate(() => JSON.parse(localStorage.getItem('kb-queue') || '[]').length);
  assert.equal(queued, 1, 'the answers wait in the queue');

  /* Chromium goes: killed as a crash or a power cut would, after the page
   * has handed the queue to the browser's storage. */
  const ls = path.join(PROFILE, 'Default', 'Local Storage', 'leveldb');
  await waitFor(() => fs.existsSync(ls) && fs.readdirSync(ls).some((f) =>
    fs.readFileSync(path.join(ls, f)).includes('kbtest-restart')), 'the queue on disk');
  const pid = chromiumPid();
  assert.ok(pid > 0, 'found the kiosk Chromium');
  await browser.close().catch(() => {});
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
  await waitFor(() => launcherLog.join('').includes('Chromium exited'), 'the launcher noticing');
  await waitFor(() => launcherLog.join('').includes('waiting for'), 'the launcher waiting for the server');
  assert.equal(chromiumPid(), 0, 'no Chromium while the server is away');

  /* The server comes back; the launcher starts Chromium on the profile. */
  fs.rmSync(path.join(PROFILE, 'DevToolsActivePort'), { force: true });
  server = await startServer(port);
  ({ browser, page } = await attach());
  await waitFor(async () => (await page.evaluate(() => localStorage.getItem('kb-queue'))) === null,
    'the queue to empty');
  const rows = sql("SELECT count(*) AS n FROM responses WHERE channel = 'kiosk' AND answers LIKE '%kbtest-restart%'");
  const intake = sql("SELECT name FROM sqlite_master WHERE name = 'intake'").length
    ? sql("SELECT count(*) AS n FROM intake WHERE answers LIKE '%kbtest-restart%'")[0].n : 0;
  assert.equal(rows[0].n + intake, 1, 'stored exactly once');
  assert.equal(await page.evaluate(() => document.cookie), '', 'cookies of the first run are gone');
  assert.equal(await page.evaluate(() => history.length), 1, 'history of the first run is gone');
  await browser.close().catch(() => {});
  log('ok   kiosk queue survives a Chromium restart through the launcher; stored once; cookies cleared');
  passed++;
} catch (e) {
  log('FAIL kiosk queue survives a Chromium restart through the launcher');
  log('    ' + String(e.stack || e).replace(/\n/g, '\n    '));
  log('    server log: ' + serverLog.join('').split('\n').slice(-10).join('\n    '));
  failed++;
} finally {
  if (launcher && launcher.exitCode === null) {
    launcher.kill('SIGTERM');
    await new Promise((r) => launcher.once('exit', r));
  }
  if (server) await stopServer(server);
  fs.rmSync(TMP, { recursive: true, force: true });
}
log(`browser-restart: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
