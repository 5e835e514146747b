// Browser tests of the gateway's pages in headless Chromium (Debian's, never a downloaded
// one), run by scripts/browser-test.sh against a running gateway:
//   BASE_URL   the gateway, e.g. http://127.0.0.1:41234
//   API_KEY    a key the gateway accepts
//   SAMPLE_JPEG  a JPEG with Make/Model and GPS (optional: one is generated when absent)
//   ARTIFACTS  where screenshots and the downloaded file go
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Validator } from '@seriousme/openapi-schema-validator';

const BASE = process.env.BASE_URL || 'http://127.0.0.1:8080';
const KEY = process.env.API_KEY || '';
const ARTIFACTS = process.env.ARTIFACTS || path.resolve('..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
fs.mkdirSync(ARTIFACTS, { recursive: true });

let context;
let userDataDir;
const foreignRequests = [];

before(async () => {
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-test-profile-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // Every request a page makes must stay on the gateway's origin.
  context.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(BASE) && !u.startsWith('data:') && !u.startsWith('blob:')) foreignRequests.push(u);
  });
});

after(async () => {
  if (context) await context.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

async function newPage() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The browser logs the API's 4xx answers that a test provokes on purpose; anything else counts.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  return { page, errors };
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name + '.png'), fullPage: true });
}

// ---- a JPEG with Make, Model and GPS when the corpus is not there ----
function exifApp1() {
  const buf = Buffer.alloc(182);
  buf.write('II', 0, 'latin1'); buf.writeUInt16LE(42, 2); buf.writeUInt32LE(8, 4);
  const entry = (at, tag, type, count, value) => {
    buf.writeUInt16LE(tag, at); buf.writeUInt16LE(type, at + 2); buf.writeUInt32LE(count, at + 4);
    if (typeof value === 'number') buf.writeUInt32LE(value, at + 8); else value.copy(buf, at + 8);
  };
  buf.writeUInt16LE(3, 8);
  entry(10, 0x010f, 2, 8, 50); // Make -> "TestCam\0"
  entry(22, 0x0110, 2, 9, 58); // Model -> "Model T1\0"
  entry(34, 0x8825, 4, 1, 68); // GPSInfo
  buf.writeUInt32LE(0, 46);
  buf.write('TestCam\0', 50, 'latin1');
  buf.write('Model T1\0', 58, 'latin1');
  buf.writeUInt16LE(5, 68);
  entry(70, 0x0000, 1, 4, Buffer.from([2, 3, 0, 0]));
  entry(82, 0x0001, 2, 2, Buffer.from('N\0\0\0', 'latin1'));
  entry(94, 0x0002, 5, 3, 134);
  entry(106, 0x0003, 2, 2, Buffer.from('E\0\0\0', 'latin1'));
  entry(118, 0x0004, 5, 3, 158);
  buf.writeUInt32LE(0, 130);
  const rationals = (at, vals) => vals.forEach(([n, d], i) => { buf.writeUInt32LE(n, at + i * 8); buf.writeUInt32LE(d, at + i * 8 + 4); });
  rationals(134, [[43, 1], [28, 1], [281, 100]]); // 43° 28' 2.81" N
  rationals(158, [[11, 1], [53, 1], [646, 100]]); // 11° 53' 6.46" E
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), buf]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

async function sampleJpeg() {
  const p = process.env.SAMPLE_JPEG;
  if (p && fs.existsSync(p)) return p;
  // The browser draws a small JPEG; the EXIF segment goes right after SOI.
  const { page } = await newPage();
  await page.goto(BASE + '/docs');
  const dataUrl = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 48;
    const g = c.getContext('2d');
    g.fillStyle = '#3a7'; g.fillRect(0, 0, 64, 48);
    g.fillStyle = '#fc3'; g.fillRect(16, 12, 32, 24);
    return c.toDataURL('image/jpeg', 0.9);
  });
  await page.close();
  const jpeg = Buffer.from(dataUrl.split(',')[1], 'base64');
  const out = path.join(ARTIFACTS, 'generated-gps.jpg');
  fs.writeFileSync(out, Buffer.concat([jpeg.subarray(0, 2), exifApp1(), jpeg.subarray(2)]));
  return out;
}

// The JPEG's segments before the image data: [{marker, data}].
function jpegSegments(bytes) {
  assert.equal(bytes.readUInt16BE(0), 0xffd8, 'starts with SOI');
  const segs = [];
  let i = 2;
  while (i + 4 <= bytes.length) {
    assert.equal(bytes[i], 0xff, 'marker at ' + i);
    const marker = bytes[i + 1];
    if (marker === 0xd9 || marker === 0xda) { segs.push({ marker, data: Buffer.alloc(0) }); break; }
    const len = bytes.readUInt16BE(i + 2);
    segs.push({ marker, data: bytes.subarray(i + 4, i + 2 + len) });
    i += 2 + len;
  }
  return segs;
}

// A composite GPS coordinate: a signed number, or ExifTool's `43 deg 28' 2.81" N`.
function degrees(v) {
  if (typeof v === 'number') return v;
  const m = typeof v === 'string' && v.match(/^(-?[\d.]+) deg ([\d.]+)' ([\d.]+)" ?([NSEW])?$/);
  if (!m) return null;
  const n = Number(m[1]) + Number(m[2]) / 60 + Number(m[3]) / 3600;
  return m[4] === 'S' || m[4] === 'W' ? -n : n;
}

async function apiExtract(file) {
  const form = new FormData();
  form.append('file', new Blob([fs.readFileSync(file)]), path.basename(file));
  const r = await fetch(BASE + '/api/v1/extract', { method: 'POST', headers: { 'X-API-Key': KEY }, body: form });
  let answer = await r.json();
  // A slow server answers 202: poll the lookup.
  for (let i = 0; r.status === 202 && answer.status !== 'completed' && i < 120; i++) {
    await new Promise((ok) => setTimeout(ok, 250));
    answer = await (await fetch(BASE + '/api/v1/extract/' + answer.uuid)).json();
  }
  assert.equal(answer.status, 'completed', JSON.stringify(answer));
  return answer;
}

test('the page extracts, summarises, removes and downloads', async () => {
  const file = await sampleJpeg();
  const expected = await apiExtract(file);
  const exif = expected.metadata.exif;
  assert.ok(exif.Make && exif.Model, 'the sample has Make and Model');
  const c = expected.metadata.composite || {};
  const lat = degrees(c.GPSLatitude), lon = degrees(c.GPSLongitude);
  assert.ok(lat !== null && lon !== null, 'the sample has a GPS position');

  const { page, errors } = await newPage();
  await page.goto(BASE + '/');
  await shot(page, '01-empty');
  // The key is entered, saved, and remembered across a reload.
  await page.getByRole('textbox', { name: 'API key', exact: true }).fill(KEY);
  await page.getByRole('button', { name: 'Save key' }).click();
  await page.getByText('Key saved in this browser.').waitFor();
  await page.reload();
  assert.equal(await page.getByRole('textbox', { name: 'API key', exact: true }).inputValue(), KEY);

  await page.locator('#file-input').setInputFiles(file);
  const card = page.locator('article.card').first();
  await card.locator('[data-summary=camera]').waitFor({ timeout: 60_000 });
  const camera = await card.locator('[data-summary=camera]').innerText();
  assert.ok(camera.includes(String(exif.Model).trim()), `camera "${camera}" shows the model`);
  assert.ok(camera.toLowerCase().includes(String(exif.Make).trim().split(' ')[0].toLowerCase()), `camera "${camera}" shows the make`);
  const gps = card.locator('[data-summary=gps]');
  const gpsText = await gps.innerText();
  assert.ok(gpsText.includes(String(c.GPSPosition || '').split(',')[0]), `GPS "${gpsText}" shows the position`);
  const link = gps.locator('a.map-link');
  assert.ok(Math.abs(Number(await link.getAttribute('data-lat')) - lat) < 1e-5);
  assert.ok(Math.abs(Number(await link.getAttribute('data-lon')) - lon) < 1e-5);
  assert.match(await link.getAttribute('href'), /openstreetmap\.org\/\?mlat=-?\d+\.\d+&mlon=-?\d+\.\d+/);
  // The tags table: Make is there, and the search narrows it.
  await card.getByRole('row', { name: /Make/ }).first().waitFor();
  await shot(page, '02-extracted');
  await card.getByLabel(/Search the \d+ tags/).fill('GPSLat');
  const rows = card.locator('table.tags tbody tr');
  assert.ok(await rows.count() >= 1);
  for (const t of await rows.allInnerTexts()) assert.match(t, /gpslat/i);
  // Keyboard: the tab list moves with the arrow keys.
  await card.getByRole('tab', { name: /^All/ }).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await card.locator('[role=tab][aria-selected=true]').getAttribute('data-group'), await card.locator('[role=tab]').nth(1).getAttribute('data-group'));
  await page.keyboard.press('Home');
  assert.equal(await card.locator('[role=tab][aria-selected=true]').getAttribute('data-group'), 'all');
  await shot(page, '03-search');
  await card.getByLabel(/Search the \d+ tags/).fill('');

  await card.getByRole('button', { name: 'Remove metadata' }).click();
  const dl = card.locator('a[data-download=cleaned]');
  await dl.waitFor({ timeout: 60_000 });
  const receipt = await card.locator('.receipt').innerText();
  assert.match(receipt, /exif/i, 'the receipt names the EXIF group');
  await shot(page, '04-removed');
  const [download] = await Promise.all([page.waitForEvent('download'), dl.click()]);
  const saved = path.join(ARTIFACTS, 'cleaned-' + download.suggestedFilename());
  await download.saveAs(saved);
  const cleaned = fs.readFileSync(saved);
  const segs = jpegSegments(cleaned);
  assert.ok(segs.some((s) => s.marker === 0xda), 'the download is a JPEG with image data');
  for (const s of segs) {
    assert.ok(!(s.marker === 0xe1 && s.data.subarray(0, 6).toString('latin1') === 'Exif\0\0'), 'no EXIF segment left');
    assert.ok(!(s.marker === 0xe1 && s.data.includes('http://ns.adobe.com/xap/1.0/')), 'no XMP left');
  }
  assert.ok(!cleaned.includes(Buffer.from(String(exif.Model).trim())), 'the model name is gone');
  // And the server reads nothing but file facts from it.
  const again = await apiExtract(saved);
  assert.equal(again.metadata.exif, undefined, 'no EXIF group in the cleaned file');
  assert.deepEqual(errors, [], 'no script errors');
  assert.deepEqual(foreignRequests, [], 'no request left the origin');
});

test('a big upload shows its progress', async () => {
  const { page, errors } = await newPage();
  await page.goto(BASE + '/');
  await page.getByRole('textbox', { name: 'API key', exact: true }).fill(KEY);
  // Slow the upload down to ~1 MB/s so that the progress can be seen.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
  const big = Buffer.alloc(3 * 1024 * 1024, 0x41);
  await page.locator('#file-input').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: big });
  const card = page.locator('article.card').first();
  await card.locator('.progress-label', { hasText: /Uploading [1-9]\d* %/ }).waitFor({ timeout: 20_000 });
  const value = Number(await card.locator('progress').getAttribute('value'));
  assert.ok(value > 0 && value < 100, `progress ${value}`);
  await shot(page, '08-progress');
  await card.locator('[data-summary=file]').waitFor({ timeout: 60_000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  assert.deepEqual(errors, []);
});

test('several dropped files each get their result', async () => {
  const { page, errors } = await newPage();
  await page.goto(BASE + '/');
  await page.getByRole('textbox', { name: 'API key', exact: true }).fill(KEY);
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['first file'], 'one.txt', { type: 'text/plain' }));
    dt.items.add(new File(['second file'], 'two.txt', { type: 'text/plain' }));
    document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  for (const name of ['one.txt', 'two.txt']) {
    const card = page.locator('article.card', { has: page.getByRole('heading', { name, exact: true }) });
    await card.locator('[data-state=done], [data-summary=file]').first().waitFor({ timeout: 30_000 });
    assert.equal(await card.getAttribute('data-state'), 'done', name);
  }
  // A URL pasted on the page (outside a text field) lands in the URL field.
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text/plain', 'https://example.com/pasted.jpg');
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  assert.equal(await page.getByLabel("Or a file's URL").inputValue(), 'https://example.com/pasted.jpg');
  assert.deepEqual(errors, []);
});

test('API errors are explained on the page', async () => {
  const { page } = await newPage();
  await page.goto(BASE + '/');
  await page.getByRole('textbox', { name: 'API key', exact: true }).fill('not-a-valid-key');
  await page.locator('#file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  const alert = page.locator('article.card .error').first();
  await alert.waitFor();
  assert.match(await alert.innerText(), /API key was refused/);
  // A URL the server refuses (loopback addresses are private) gives a 400 message.
  await page.getByRole('textbox', { name: 'API key', exact: true }).fill(KEY);
  // Keyboard only: from the key, Tab reaches the file picker; Enter submits the URL.
  await page.getByRole('textbox', { name: 'API key', exact: true }).focus();
  const focused = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    focused.push(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent));
  }
  assert.deepEqual(focused, ['key-show', 'key-save', 'key-forget', 'file-input']);
  await page.getByLabel("Or a file's URL").fill('http://127.0.0.1:1/x.jpg');
  await page.getByLabel("Or a file's URL").press('Enter');
  await page.locator('article.card .error').first().filter({ hasText: 'refused the request' }).waitFor();
  // An unknown UUID.
  await page.getByLabel('Or look a result up by UUID').fill('123e4567-e89b-12d3-a456-426614174000');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.locator('article.card .error').first().filter({ hasText: 'No extraction found' }).waitFor();
  await shot(page, '05-errors');
});

test('every error status of the API gets its own message', async () => {
  const { page } = await newPage();
  await page.goto(BASE + '/');
  await page.getByRole('textbox', { name: 'API key', exact: true }).fill(KEY);
  const cases = [
    [400, 'No input', /refused the request: No input/],
    [401, 'Invalid API key', /API key was refused/],
    [413, 'The file is too large: the limit is 10 bytes', /too large for this server/],
    [415, 'This format cannot be cleaned', /cannot be removed/],
    [429, 'Rate limit exceeded: try again in 7 s', /try again in 7 seconds/],
    [500, 'An error occurred while processing your request', /failed to process the file/],
    [503, 'Service unavailable: queue down', /service behind the API is down/],
  ];
  for (const [status, error, expected] of cases) {
    // The answer is faked in the browser: the real server is not asked.
    await page.route('**/api/v1/extract', (route) => route.fulfill({
      status, contentType: 'application/json', headers: status === 429 ? { 'Retry-After': '7' } : {},
      body: JSON.stringify({ success: false, error }),
    }));
    await page.locator('#file-input').setInputFiles({ name: `e${status}.txt`, mimeType: 'text/plain', buffer: Buffer.from('x') });
    const card = page.locator('article.card', { has: page.getByRole('heading', { name: `e${status}.txt` }) });
    const alert = card.getByRole('alert');
    await alert.filter({ hasText: expected }).waitFor({ timeout: 10_000 });
    await page.unroute('**/api/v1/extract');
  }
  // A proxy's HTML error page is not JSON: still a clear message.
  await page.route('**/api/v1/extract', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' }));
  await page.locator('#file-input').setInputFiles({ name: 'e502.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
  await page.locator('article.card', { has: page.getByRole('heading', { name: 'e502.txt' }) })
    .getByRole('alert').filter({ hasText: /HTTP 502/ }).waitFor();
  await page.unroute('**/api/v1/extract');
  await shot(page, '09-error-messages');
});

test('the API reference renders every operation of the OpenAPI document', async () => {
  const doc = await (await fetch(BASE + '/openapi.json')).json();
  const { page, errors } = await newPage();
  await page.goto(BASE + '/docs');
  await page.locator('section.op').first().waitFor();
  const methods = ['get', 'post', 'put', 'delete', 'patch'];
  let ops = 0;
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of methods.filter((x) => item[x])) {
      ops++;
      const sec = page.locator('#op-' + item[m].operationId);
      assert.equal(await sec.locator('h3 code').innerText(), p);
      for (const code of Object.keys(item[m].responses)) {
        assert.equal(await sec.locator(`tr[data-status="${code}"]`).count(), 1, `${m} ${p} shows ${code}`);
      }
      const text = await sec.innerText();
      for (const s of item[m]['x-codeSamples'] || []) assert.ok(text.includes('curl'), `${m} ${p} shows its curl examples (${s.label})`);
    }
  }
  assert.equal(await page.locator('section.op').count(), ops);
  // Examples use the page's own origin.
  assert.ok((await page.locator('#op-extract').innerText()).includes(BASE + '/api/v1/extract'));
  await page.screenshot({ path: path.join(ARTIFACTS, '06-docs.png') });
  await page.locator('#op-remove').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, '07-docs-remove.png') });
  assert.deepEqual(errors, []);
  assert.deepEqual(foreignRequests, []);
});

// axe-core's WCAG checks (labels, names, contrast, landmarks, ARIA) on the page with a result,
// a receipt and an error, and on /docs, in light and dark colour schemes. The engine is put
// in through the DevTools protocol, so the pages' Content-Security-Policy stays as it is.
test('axe finds no accessibility violations', async () => {
  const axeSource = fs.readFileSync(new URL(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
  const file = await sampleJpeg();
  for (const scheme of ['light', 'dark']) {
    const { page, errors } = await newPage();
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(BASE + '/');
    await page.getByRole('textbox', { name: 'API key', exact: true }).fill(KEY);
    await page.locator('#file-input').setInputFiles(file);
    const card = page.locator('article.card').first();
    await card.locator('[data-summary=camera]').waitFor({ timeout: 60_000 });
    await card.getByRole('button', { name: 'Remove metadata' }).click();
    await card.locator('a[data-download]').waitFor({ timeout: 60_000 });
    await page.getByRole('textbox', { name: 'API key', exact: true }).fill('wrong-key');
    await page.locator('#file-input').setInputFiles({ name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('a') });
    await page.locator('article.card .error:not([hidden])').first().waitFor();
    for (const url of [null, BASE + '/docs']) {
      if (url) {
        await page.goto(url);
        await page.locator('section.op').first().waitFor();
      }
      await page.evaluate(axeSource);
      const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
        .map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`));
      assert.deepEqual(violations, [], `${scheme} ${url || '/'}`);
    }
    await page.close();
    assert.deepEqual(errors, []);
  }
});

test('the OpenAPI document validates against the OpenAPI 3.1 schema', async () => {
  const doc = await (await fetch(BASE + '/openapi.json')).json();
  assert.match(doc.openapi, /^3\.1\./);
  const validator = new Validator();
  const res = await validator.validate(doc);
  assert.ok(res.valid, JSON.stringify(res.errors, null, 2));
  assert.equal(validator.version, '3.1');
});
