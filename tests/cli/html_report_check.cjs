// Opens a `crmsim validate --html` page in headless Chromium through the
// DevTools protocol and checks it as a reader would meet it: it loads with
// no console error, no uncaught exception and nothing fetched from the
// network; every chart holds the data points it declares; the witness
// chains, findings and replay command are there; at a phone's width
// nothing runs off the side; it prints. Screenshots (desktop and phone)
// and a PDF are written beside it, for CI to keep.
//
//   node --experimental-websocket html_report_check.cjs CHROMIUM PAGE.html OUT_DIR
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [chromiumPath, pagePath, outDir] = process.argv.slice(2);
if (!chromiumPath || !pagePath || !outDir) {
  console.error('usage: html_report_check.cjs CHROMIUM PAGE.html OUT_DIR');
  process.exit(2);
}
const kTimeoutMs = 90_000;
const failures = [];
const fail = (what) => failures.push(what);

function startChromium() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'crmsim-chromium-'));
  const child = spawn(chromiumPath, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--no-first-run', '--no-default-browser-check', '--disable-extensions',
    '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0',
    `--user-data-dir=${profile}`, 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = new Promise((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (chunk) => {
      text += chunk;
      const m = text.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`chromium exited (${code}): ${text.slice(-2000)}`)));
  });
  return { child, profile, url };
}

class Cdp {
  constructor(ws) {
    this.ws = ws;
    this.next = 1;
    this.pending = new Map();
    this.listeners = [];
    ws.addEventListener('message', (event) => {
      const msg = JSON.parse(event.data);
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) reject(new Error(JSON.stringify(msg.error)));
        else resolve(msg.result);
      } else if (msg.method) {
        for (const l of this.listeners) l(msg);
      }
    });
  }
  send(method, params = {}, sessionId) {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  on(fn) { this.listeners.push(fn); }
}

async function main() {
  const { child, profile, url } = startChromium();
  const timer = setTimeout(() => {
    console.error(`FAIL: no verdict within ${kTimeoutMs / 1000} s`);
    child.kill('SIGKILL');
    process.exit(1);
  }, kTimeoutMs);
  try {
    const ws = new WebSocket(await url);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    const cdp = new Cdp(ws);
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    const page = (method, params) => cdp.send(method, params, sessionId);
    let loaded;
    const loadedOnce = new Promise((resolve) => { loaded = resolve; });
    const requests = [];
    cdp.on((msg) => {
      if (msg.sessionId !== sessionId) return;
      const p = msg.params;
      if (msg.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert'))
        fail(`console ${p.type}: ${p.args.map((a) => a.value ?? a.description).join(' ')}`);
      if (msg.method === 'Runtime.exceptionThrown')
        fail(`uncaught exception: ${p.exceptionDetails.text}`);
      if (msg.method === 'Log.entryAdded' && p.entry.level === 'error')
        fail(`console error (${p.entry.source}): ${p.entry.text}`);
      if (msg.method === 'Network.requestWillBeSent') requests.push(p.request.url);
      if (msg.method === 'Page.loadEventFired') loaded();
    });
    for (const domain of ['Runtime', 'Log', 'Page', 'Network']) await page(`${domain}.enable`);
    await page('Emulation.setDeviceMetricsOverride',
               { width: 1200, height: 900, deviceScaleFactor: 1, mobile: false });
    await page('Page.navigate', { url: 'file://' + path.resolve(pagePath) });
    await loadedOnce;
    const evaluate = async (expression) => {
      const r = await page('Runtime.evaluate', { expression, returnByValue: true });
      if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}`);
      return r.result.value;
    };

    const outside = requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'));
    if (outside.length > 0) fail(`the page fetched from elsewhere: ${outside.join(', ')}`);

    const charts = await evaluate(`Array.from(document.querySelectorAll('figure.chart')).map(f => ({
        id: f.dataset.chart, declared: Number(f.dataset.points),
        drawn: f.querySelectorAll('svg .pt').length,
        width: f.querySelector('svg').getBoundingClientRect().width }))`);
    const sections = await evaluate(`document.querySelectorAll('section.run').length`);
    if (sections === 0) fail('no run section');
    if (charts.length < 8 * sections) fail(`${charts.length} charts for ${sections} runs (8 each)`);
    for (const c of charts) {
      if (c.drawn === 0) fail(`chart ${c.id} holds no data point`);
      if (c.drawn !== c.declared) fail(`chart ${c.id} declares ${c.declared} points, draws ${c.drawn}`);
      if (c.width < 200) fail(`chart ${c.id} is ${c.width} px wide`);
    }
    const page_facts = await evaluate(`({
        chainSteps: document.querySelectorAll('ol.chain li:not(.gap)').length,
        fixes: document.querySelectorAll('.findings .fix').length,
        replay: (document.querySelector('.replay code') || {}).textContent || '',
        verdicts: Array.from(document.querySelectorAll('.verdict')).map(v => v.textContent) })`);
    if (page_facts.chainSteps === 0) fail('no witness chain step');
    if (page_facts.fixes === 0) fail('no finding with its fix');
    if (!/^crmsim run .+ --seed \d+$/.test(page_facts.replay)) fail(`replay command: '${page_facts.replay}'`);

    fs.mkdirSync(outDir, { recursive: true });
    const shot = async (name) => {
      const { data } = await page('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
      fs.writeFileSync(path.join(outDir, name), Buffer.from(data, 'base64'));
    };
    await shot('report-desktop.png');

    // A phone: nothing wider than the screen.
    await page('Emulation.setDeviceMetricsOverride',
               { width: 390, height: 844, deviceScaleFactor: 2, mobile: true });
    // Past the screen: anything but the inside of a box that scrolls sideways.
    const phone = await evaluate(`(() => {
        const past = Array.from(document.querySelectorAll('body *')).filter(e =>
            e.getBoundingClientRect().right > 391 &&
            !(e.parentElement && e.parentElement.closest('.scroll')));
        return { width: window.innerWidth,
                 past: past.slice(0, 5).map(e => e.tagName + '.' + e.className + ' reaches ' +
                                            Math.round(e.getBoundingClientRect().right) + ' px'),
                 widest: Math.max(...Array.from(document.querySelectorAll('figure.chart'))
                                      .map(f => f.getBoundingClientRect().right)) }; })()`);
    if (phone.width > 391) fail(`at 390 px the page lays out ${phone.width} px wide`);
    for (const p of phone.past) fail(`at 390 px ${p}`);
    await shot('report-phone.png');

    const pdf = await page('Page.printToPDF', { printBackground: false, preferCSSPageSize: false });
    const bytes = Buffer.from(pdf.data, 'base64');
    if (bytes.length < 10_000 || bytes.subarray(0, 4).toString() !== '%PDF') fail('it does not print');
    fs.writeFileSync(path.join(outDir, 'report.pdf'), bytes);

    console.log(`${charts.length} charts in ${sections} runs, ${charts.reduce((n, c) => n + c.drawn, 0)} ` +
                `points; ${page_facts.chainSteps} witness steps; verdicts ${page_facts.verdicts.join(' ')}; ` +
                `phone: widest chart ends at ${Math.round(phone.widest)} of ${phone.width} px; PDF ${bytes.length} bytes; screenshots in ${outDir}`);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await cdp.send('Browser.close').catch(() => {});
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    ws.close();
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
    // Its helpers may still be writing the profile for a moment.
    for (let attempt = 0; attempt < 20; ++attempt) {
      try {
        fs.rmSync(profile, { recursive: true, force: true });
        break;
      } catch (e) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
  if (failures.length > 0) {
    for (const f of failures) console.error('FAIL: ' + f);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error('FAIL: ' + (e.stack || e));
  process.exit(1);
});
