// End-to-end test of erg serve's page in a real browser: Debian's Chromium, headless, driven by
// playwright-core. Starts `erg serve --port 0` (the binary in ERG_BINARY), then acts as a user:
// picks AlexNet and runs it, reads the chart and the totals, opens the shared link, edits the layer
// table, imports files (a bad one shows an error), runs from the keyboard. Screenshots land in
// ERG_E2E_OUT (default: build/e2e).
//
//   ERG_BINARY=build/erg node tests/e2e/page.test.mjs
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdirSync, existsSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const ergBinary = process.env.ERG_BINARY || join(root, 'build/erg');
const outDir = process.env.ERG_E2E_OUT || join(root, 'build/e2e');
const chromiumPath = process.env.ERG_CHROMIUM || '/usr/bin/chromium';
mkdirSync(outDir, {recursive: true});

let chromium;
try {
  ({chromium} = await import('playwright-core'));
} catch {
  console.error('tests/e2e: playwright-core is not installed; scripts/setup installs it ' +
                '(npm ci in tests/e2e)');
  process.exit(1);
}
if (!existsSync(chromiumPath)) {
  console.error(`tests/e2e: no Chromium at ${chromiumPath}; scripts/setup installs Debian's`);
  process.exit(1);
}

let server;
let base;
let browser;
const consoleErrors = [];

// Starts erg serve on a free port and returns its address, from the line it prints.
function startServer() {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(ergBinary, ['serve', '--port', '0', '--search-seconds', '60'],
                        {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    const timer = setTimeout(() => reject(new Error(`erg serve did not start: ${out}`)), 20000);
    const onData = (chunk) => {
      out += chunk;
      const m = out.match(/serving on (http:\/\/[^/\s]+\/)/);
      if (m) {
        clearTimeout(timer);
        resolvePromise({child, url: m[1]});
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`erg serve exited (${code}): ${out}`)));
  });
}

async function newPage() {
  const context = await browser.newContext({viewport: {width: 1366, height: 768},
                                            acceptDownloads: true});
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return page;
}

// The API's own answer, to compare the page with.
async function apiEstimate(request) {
  const r = await fetch(new URL('/api/estimate', base), {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(request)});
  assert.equal(r.status, 200);
  return r.json();
}

// Does `action` (a click, a key) and waits until the page has shown the estimate it starts.
async function estimate(page, action) {
  const before = await page.evaluate(() => Number(document.getElementById('results').dataset.estimates || 0));
  await action();
  await page.waitForFunction((n) => Number(document.getElementById('results').dataset.estimates || 0) > n,
                             before);
}

// Clicks a download link as a user would and returns the file's name and text.
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const stream = await file.createReadStream();
  let text = '';
  for await (const chunk of stream) text += chunk;
  return {name: file.suggestedFilename(), text};
}

// The page's number formatting, applied in the page (the same function the page uses).
const human = (page, v) => page.evaluate((x) => window.human(x), v);

before(async () => {
  const s = await startServer();
  server = s.child;
  base = s.url;
  browser = await chromium.launch({executablePath: chromiumPath, headless: true,
                                   args: ['--no-sandbox', '--disable-gpu']});
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

test('pick AlexNet, run: the chart, the totals and the tables match the API', async () => {
  const page = await newPage();
  await page.goto(base);
  // A plain visit shows the default estimate, AlexNet on Eyeriss, without a click.
  await page.waitForFunction(() => document.getElementById('results').dataset.estimates === '1');
  assert.match(await page.textContent('#summary'), /^alexnet on eyeriss/);
  await page.selectOption('#network', 'alexnet');
  await page.selectOption('#arch', 'eyeriss');
  await estimate(page, () => page.click('#run'));
  assert.equal(await page.isVisible('#results'), true);
  await page.waitForSelector('#chart-svg svg');
  const expected = await apiEstimate({network: 'alexnet', arch: 'eyeriss', dataflow: 'rs',
                                      objective: 'energy'});
  const totals = await page.textContent('#totals');
  assert.match(totals, /Total energy/);
  assert.ok(totals.includes(await human(page, expected.total.energy.total)),
            `totals show ${await human(page, expected.total.energy.total)}: ${totals}`);
  // One row per layer and a TOTAL row, in both energy tables and the mapping table.
  const rows = await page.$$eval('#by-type tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, expected.layers.length + 1);
  assert.match(rows.at(-1), /^TOTAL/);
  assert.equal(await page.$$eval('#by-level tbody tr', (t) => t.length),
               expected.layers.length + 1);
  const mappings = await page.$$eval('#mappings tbody tr td:nth-child(3) summary',
                                     (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(mappings, expected.layers.map((l) => l.mapping));
  // Opening a mapping shows its loop nest, one line per level.
  await page.click('#mappings tbody tr:first-child summary');
  const nest = await page.textContent('#mappings tbody tr:first-child pre');
  assert.equal(nest.split('\n').length, expected.layers[0].mapping_loops.length);
  assert.match(nest, /^DRAM/);
  // The chart is erg's SVG: one title per layer in it.
  const svgText = await page.textContent('#chart-svg svg');
  for (const l of expected.layers) assert.ok(svgText.includes(l.name), `chart names ${l.name}`);
  // The JSON download is the API's JSON.
  const json = await download(page, '#dl-json');
  assert.equal(json.name, 'alexnet-eyeriss-rs.json');
  assert.deepEqual(JSON.parse(json.text).total, expected.total);
  const {text: csv} = await download(page, '#dl-csv');
  assert.match(csv.split('\n')[0], /^layer,type,macs/);
  const svg = await download(page, '#dl-svg');
  assert.match(svg.text, /^<\?xml|^<svg/);
  assert.equal(csv.trim().split('\n').length, expected.layers.length + 2);
  assert.match(await page.textContent('#status'), /Done in .* every mapping proven optimal/);
  await page.screenshot({path: join(outDir, 'alexnet.png'), fullPage: true});
  // The link reproduces the estimate in a new page.
  const url = page.url();
  assert.match(url, /#network=alexnet&arch=eyeriss/);
  const again = await newPage();
  await again.goto(url);
  await again.waitForSelector('#chart-svg svg');
  assert.equal(await again.textContent('#totals'), totals);
  await page.context().close();
  await again.context().close();
});

test('a bad upload shows the server\'s error, naming the file', async () => {
  const page = await newPage();
  await page.goto(base);
  await page.waitForSelector('#network option[value="alexnet"]', {state: 'attached'});
  await page.setInputFiles('#import', {name: 'broken.onnx', mimeType: 'application/octet-stream',
                                       buffer: Buffer.from([0x08, 0xff, 0xff, 0x00, 0x12, 0x99])});
  await page.waitForSelector('#error:not([hidden])');
  const error = await page.textContent('#error');
  assert.match(error, /^broken\.onnx: /);
  assert.ok(error.length > 'broken.onnx: '.length + 10, error);
  await page.screenshot({path: join(outDir, 'bad-upload.png')});
  // A tool file with a wrong ofmap names the line and the field.
  await page.setInputFiles('#import', {name: 'net.txt', mimeType: 'text/plain',
    buffer: Buffer.from('1 8 8 3 1 0 16  3 3 3 4 0 16  7 7 4 1 0 16  1 1  0 0 0 0\n')});
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('net.txt'));
  assert.match(await page.textContent('#error'), /net\.txt.*1.*ofmap/s);
  await page.context().close();
});

test('import the online tool\'s file, edit the table, run', async () => {
  const page = await newPage();
  await page.goto(base);
  await page.waitForSelector('#network option[value="alexnet"]', {state: 'attached'});
  const tool = await (await fetch(new URL('/api/zoo/lenet5', base))).json();
  assert.ok(tool.layers.length >= 4);
  // Two layers in the online tool's format (25 integers a line).
  const text = '1 32 32 1 1 0 16  5 5 1 6 0 16  28 28 6 1 0 16  1 1  0 0 0 0\n' +
               '2 14 14 6 1 0 16  5 5 6 16 300 8  10 10 16 1 0 16  1 1  0 0 0 0\n';
  await page.setInputFiles('#import', {name: 'two.txt', mimeType: 'text/plain',
                                       buffer: Buffer.from(text)});
  await page.waitForSelector('#layers-panel:not([hidden])');
  assert.equal(await page.$$eval('#layer-table tbody tr', (t) => t.length), 2);
  assert.equal(await page.inputValue('#layer-table tbody tr:nth-child(2) input[aria-label$="weights bits"]'), '8');
  // Densities ↔ non-zero counts: 300 of 2400 weights are zeros.
  await page.selectOption('#sparsity-mode', 'count');
  assert.equal(await page.inputValue('#layer-table tbody tr:nth-child(2) input[aria-label$="non-zero weights"]'), '2100');
  await page.fill('#layer-table tbody tr:nth-child(2) input[aria-label$="non-zero weights"]', '1200');
  await page.press('#layer-table tbody tr:nth-child(2) input[aria-label$="non-zero weights"]', 'Tab');
  // Add a layer (a copy of the last), make it an FC layer over conv2's output, remove nothing.
  await page.click('#add-row');
  assert.equal(await page.$$eval('#layer-table tbody tr', (t) => t.length), 3);
  const row3 = '#layer-table tbody tr:nth-child(3)';
  await page.selectOption(`${row3} select`, 'fc');
  for (const [label, value] of [['C', '16'], ['M', '10'], ['in H×W', '10'], ['filter R×S', '10x10']]) {
    await page.fill(`${row3} input[aria-label$=" ${label}"]`, value);
    await page.press(`${row3} input[aria-label$=" ${label}"]`, 'Tab');
  }
  // A bad cell is marked and stops the run with a message naming it.
  await page.fill(`${row3} input[aria-label$=" stride"]`, 'two');
  await page.press(`${row3} input[aria-label$=" stride"]`, 'Tab');
  assert.equal(await page.getAttribute(`${row3} input[aria-label$=" stride"]`, 'aria-invalid'), 'true');
  await page.click('#run');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /layer 3 .* stride/);
  await page.fill(`${row3} input[aria-label$=" stride"]`, '1');
  await page.press(`${row3} input[aria-label$=" stride"]`, 'Tab');
  // A shape the server refuses: its message names the layer, and the page marks the row.
  await page.fill(`${row3} input[aria-label$=" filter R×S"]`, '99');
  await page.press(`${row3} input[aria-label$=" filter R×S"]`, 'Tab');
  await page.click('#run');
  await page.waitForSelector(`${row3}.bad-row`);
  assert.match(await page.textContent('#error'), /^layers\[2\]: .*filter/);
  await page.fill(`${row3} input[aria-label$=" filter R×S"]`, '10x10');
  await page.press(`${row3} input[aria-label$=" filter R×S"]`, 'Tab');
  await estimate(page, () => page.click('#run'));
  const est = JSON.parse((await download(page, '#dl-json')).text);
  const net = JSON.parse((await download(page, '#dl-net')).text);
  assert.equal(net.layers.length, 3);
  assert.equal(est.network, 'two');
  assert.deepEqual(est.layers.map((l) => l.type), ['conv', 'conv', 'fc']);
  assert.equal(est.layers[1].formats.weights.density, 0.5);
  assert.equal(est.layers[2].macs, 16 * 10 * 100);
  // Remove the first layer from the keyboard; the link carries the edited table.
  await page.focus('#layer-table tbody tr:nth-child(1) button');
  await page.keyboard.press('Enter');
  assert.equal(await page.$$eval('#layer-table tbody tr', (t) => t.length), 2);
  await estimate(page, () => page.click('#run'));
  assert.equal(await page.$$eval('#by-type tbody tr', (t) => t.length), 3);
  const url = page.url();
  assert.match(url, /#layers=/);
  const again = await newPage();
  await again.goto(url);
  await again.waitForFunction(() => document.querySelectorAll('#by-type tbody tr').length === 3)
    .catch(async (e) => {
      throw new Error(`${e.message}; status: ${await again.textContent('#status')}; error: ` +
                      `${await again.textContent('#error')}; url ${url}`);
    });
  assert.equal(await again.$$eval('#layer-table tbody tr', (t) => t.length), 2);
  assert.equal(await again.textContent('#totals'), await page.textContent('#totals'));
  await page.screenshot({path: join(outDir, 'edited-table.png'), fullPage: true});
  await page.context().close();
  await again.context().close();
});

test('keyboard only: options and Enter run the estimate; a custom architecture is checked',
     async () => {
  const page = await newPage();
  await page.goto(base);
  await page.waitForSelector('#network option[value="lenet5"]', {state: 'attached'});
  await page.focus('#network');
  await page.selectOption('#network', 'lenet5');
  await page.focus('#batch');
  await page.keyboard.type('4');
  await estimate(page, () => page.keyboard.press('Enter'));
  assert.match(await page.textContent('#summary'), /lenet5 on eyeriss.*batch 4/);
  // An in-page link (#api) is not a state: it runs nothing.
  const shown = await page.evaluate(() => document.getElementById('results').dataset.estimates);
  await page.click('header a[href="#api"]');
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => document.getElementById('results').dataset.estimates),
               shown);
  // A link opened in this tab brings its own options: the batch typed above is not kept.
  await estimate(page, () => page.evaluate(() => { location.hash = 'network=alexnet&arch=eyeriss'; }));
  assert.match(await page.textContent('#summary'), /^alexnet on eyeriss.*batch 1;/);
  assert.equal(await page.inputValue('#batch'), '');
  // Changing a row's type brings that type's rules: depthwise groups = channels, FC filter = input.
  await page.selectOption('#network', 'lenet5');
  await page.click('#edit-zoo');
  const row2 = '#layer-table tbody tr:nth-child(2)';
  await page.waitForSelector(row2);
  await page.selectOption(`${row2} select`, 'depthwise');
  assert.equal(await page.inputValue(`${row2} input[aria-label$=" G"]`),
               await page.inputValue(`${row2} input[aria-label$=" C"]`));
  await page.selectOption(`${row2} select`, 'fc');
  assert.equal(await page.inputValue(`${row2} input[aria-label$=" filter R×S"]`),
               await page.inputValue(`${row2} input[aria-label$=" in H×W"]`));
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'SELECT');
  // Every control can be reached with Tab and shows where the focus is.
  const focusable = await page.$$eval('#form input, #form select, #form button, #form textarea',
    (els) => els.filter((e) => e.offsetParent !== null && e.tabIndex < 0).length);
  assert.equal(focusable, 0);
  // An architecture YAML with a mistake: the error names it.
  await page.selectOption('#arch', '');
  await page.fill('#arch-yaml', 'version: 1\narch:\n  name: broken\n  levels: 7\n');
  await page.click('#run');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /arch/);
  await page.context().close();
});

test('the page logged no errors of its own', () => {
  // 4xx answers are expected above (bad uploads); anything else is a bug in the page.
  const own = consoleErrors.filter((e) => !/status of 4\d\d/.test(e));
  assert.deepEqual(own, []);
});
