// The web page of the Metadata API: same-origin calls only, no dependencies.
'use strict';

(function () {
  const KEY_STORE = 'metadata-api-key';
  const $ = (sel, root) => (root || document).querySelector(sel);
  let cardSeq = 0;

  // ---- small DOM helper ----
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function formatBytes(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '';
    if (n < 1024) return n + ' B';
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n, i = -1;
    do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
    return v.toFixed(v < 10 ? 1 : 0) + ' ' + units[i];
  }

  function valueText(v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  // ---- API key ----
  const keyInput = $('#api-key');
  const keyStatus = $('#key-status');

  function loadKey() {
    try { return localStorage.getItem(KEY_STORE) || ''; } catch (_) { return ''; }
  }
  function currentKey() { return keyInput.value.trim(); }

  keyInput.value = loadKey();
  keyStatus.textContent = keyInput.value ? 'A saved key is in use.' : 'No key yet: enter yours and save it.';

  $('#key-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const k = currentKey();
    try {
      if (k) localStorage.setItem(KEY_STORE, k); else localStorage.removeItem(KEY_STORE);
      keyStatus.textContent = k ? 'Key saved in this browser.' : 'Key cleared.';
    } catch (_) {
      keyStatus.textContent = 'This browser does not allow saving the key; it is used for this page only.';
    }
  });
  $('#key-forget').addEventListener('click', () => {
    keyInput.value = '';
    try { localStorage.removeItem(KEY_STORE); } catch (_) { /* nothing to forget */ }
    keyStatus.textContent = 'Key forgotten.';
    keyInput.focus();
  });
  $('#key-show').addEventListener('click', (ev) => {
    const show = keyInput.type === 'password';
    keyInput.type = show ? 'text' : 'password';
    ev.currentTarget.textContent = show ? 'Hide' : 'Show';
    ev.currentTarget.setAttribute('aria-pressed', String(show));
  });

  function keepParam() {
    const v = Array.from(document.querySelectorAll('input[name=keep]:checked')).map((i) => i.value);
    return v.length ? '?keep=' + encodeURIComponent(v.join(',')) : '';
  }

  // ---- API calls ----
  class ApiError extends Error {
    constructor(status, message, body, retryAfter) {
      super(message);
      this.status = status;
      this.body = body;
      this.retryAfter = retryAfter;
    }
  }

  // Turns a status and the API's `error` into a message for a person.
  function explain(status, apiMessage, retryAfter) {
    apiMessage = (apiMessage || '').replace(/[.\s]+$/, '');
    const detail = apiMessage ? ' (' + apiMessage + ')' : '';
    switch (status) {
      case 0: return 'Could not reach the server: check the connection and try again.';
      case 400: return 'The server refused the request: ' + (apiMessage || 'bad request') + '.';
      case 401: return 'The API key was refused: enter a valid key above and save it' + detail + '.';
      case 404: return (apiMessage || 'Not found') + '. Results are kept for 24 hours.';
      case 410: return (apiMessage || 'The cleaned file has expired') + '.';
      case 413: return 'The file is too large for this server' + detail + '.';
      case 415: return 'The metadata of this format cannot be removed' + detail + '.';
      case 429: return 'Too many requests for this key: try again in ' + (retryAfter || 'a few') + ' seconds' + detail + '.';
      case 500: return 'The server failed to process the file' + detail + '. Try again; if it keeps failing, tell the server\'s administrator.';
      case 502: case 504: return 'The server is unreachable behind its proxy (HTTP ' + status + ').';
      case 503: return 'A service behind the API is down' + detail + '. Try again later.';
      default: return 'Unexpected answer (HTTP ' + status + ')' + detail + '.';
    }
  }

  function parseAnswer(status, text, retryAfter) {
    let body = null;
    try { body = JSON.parse(text); } catch (_) { body = null; }
    if (status >= 200 && status < 300 && body && body.success !== false) return body;
    const apiMessage = body && typeof body.error === 'string' ? body.error : '';
    let message = explain(status, apiMessage || (body ? '' : 'the answer is not JSON'), retryAfter);
    if (body && typeof body.uuid === 'string') message += ' Job UUID: ' + body.uuid + '.';
    throw new ApiError(status, message, body, retryAfter);
  }

  async function apiFetch(path, options) {
    let resp;
    try {
      resp = await fetch(path, options);
    } catch (_) {
      throw new ApiError(0, explain(0));
    }
    const text = await resp.text();
    return parseAnswer(resp.status, text, resp.headers.get('Retry-After'));
  }

  function authHeaders() {
    const h = {};
    const k = currentKey();
    if (k) h['X-API-Key'] = k;
    return h;
  }

  // Uploads with XMLHttpRequest: fetch cannot report upload progress.
  function upload(path, file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) onProgress(e.loaded, e.total);
      });
      xhr.upload.addEventListener('load', () => onProgress(-1, -1));
      xhr.addEventListener('load', () => {
        try {
          resolve(parseAnswer(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')));
        } catch (e) { reject(e); }
      });
      xhr.addEventListener('error', () => reject(new ApiError(0, explain(0))));
      xhr.addEventListener('abort', () => reject(new ApiError(0, 'The upload was cancelled.')));
      const form = new FormData();
      form.append('file', file, file.name);
      xhr.send(form);
    });
  }

  async function submit(kind, source, onProgress) {
    const path = '/api/v1/' + kind + (kind === 'remove' ? keepParam() : '');
    let answer;
    if (source.file) {
      answer = await upload(path, source.file, onProgress);
    } else {
      answer = await apiFetch(path, {
        method: 'POST',
        headers: Object.assign({ 'Content-Type': 'application/json' }, authHeaders()),
        body: JSON.stringify({ url: source.url }),
      });
    }
    if (answer.status === 'processing' || answer.status === 'queued') {
      answer = await poll(answer.uuid, onProgress);
    }
    return answer;
  }

  async function poll(uuid, onProgress) {
    for (let i = 0; i < 600; i++) {
      onProgress(-1, -1);
      await new Promise((r) => setTimeout(r, Math.min(500 + i * 250, 3000)));
      const a = await lookup(uuid);
      if (a.status === 'completed') return a;
      if (a.status === 'failed') throw new ApiError(200, 'The job failed: ' + (a.error || 'unknown reason') + '.', a);
    }
    throw new ApiError(0, 'The job is still running; look it up later by its UUID ' + uuid + '.');
  }

  function lookup(uuid) {
    return apiFetch('/api/v1/extract/' + encodeURIComponent(uuid), { headers: authHeaders() });
  }

  // ---- summary of the metadata ----
  function first(md, candidates) {
    for (const [g, t] of candidates) {
      const v = md[g] && md[g][t];
      if (v !== undefined && v !== null && v !== '') return { value: v, group: g, tag: t };
    }
    return null;
  }

  // "43 deg 28' 2.81\" N" -> 43.4674...
  function dmsToNumber(v, ref) {
    if (typeof v === 'number') return ref && /^[SW]/i.test(ref) ? -Math.abs(v) : v;
    if (typeof v !== 'string') return null;
    const m = v.match(/(-?[\d.]+)(?:\s*deg\s*([\d.]+)'\s*(?:([\d.]+)")?)?\s*([NSEW])?/i);
    if (!m) return null;
    let n = parseFloat(m[1]) + (parseFloat(m[2] || '0') / 60) + (parseFloat(m[3] || '0') / 3600);
    const hemi = m[4] || ref || '';
    if (/^[SW]/i.test(hemi)) n = -Math.abs(n);
    return isFinite(n) ? n : null;
  }

  function gpsOf(md) {
    const c = md.composite || {};
    const sources = [md.composite, md.exif, md.xmp, md.quicktime].filter(Boolean);
    let lat = null, lon = null;
    if (typeof c.GPSLatitude === 'number' && typeof c.GPSLongitude === 'number') {
      lat = c.GPSLatitude; lon = c.GPSLongitude;
    } else {
      for (const g of sources) {
        if (g.GPSLatitude !== undefined && g.GPSLongitude !== undefined) {
          lat = dmsToNumber(g.GPSLatitude, g.GPSLatitudeRef);
          lon = dmsToNumber(g.GPSLongitude, g.GPSLongitudeRef);
          if (lat !== null && lon !== null) break;
        }
      }
    }
    if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    const text = c.GPSPosition || (md.exif && md.exif.GPSPosition) || (lat.toFixed(6) + ', ' + lon.toFixed(6));
    const alt = c.GPSAltitude || (md.exif && md.exif.GPSAltitude);
    return { lat, lon, text: String(text), alt };
  }

  function summaryOf(md) {
    const out = [];
    const make = first(md, [['exif', 'Make'], ['xmp', 'Make'], ['quicktime', 'Make'], ['makernotes', 'Make']]);
    const model = first(md, [['exif', 'Model'], ['xmp', 'Model'], ['quicktime', 'Model'], ['makernotes', 'Model']]);
    if (make || model) {
      const mk = make ? String(make.value).trim() : '';
      const mo = model ? String(model.value).trim() : '';
      const camera = mo && mk && mo.toLowerCase().startsWith(mk.toLowerCase().split(' ')[0]) ? mo : [mk, mo].filter(Boolean).join(' ');
      out.push({ label: 'Camera', value: camera, id: 'camera' });
    }
    const lens = first(md, [['composite', 'LensID'], ['exif', 'LensModel'], ['composite', 'Lens'], ['xmp', 'LensModel'], ['xmp', 'Lens'], ['makernotes', 'LensType'], ['makernotes', 'Lens']]);
    if (lens) out.push({ label: 'Lens', value: valueText(lens.value), id: 'lens' });
    const date = first(md, [['composite', 'SubSecDateTimeOriginal'], ['exif', 'DateTimeOriginal'], ['exif', 'CreateDate'], ['xmp', 'DateTimeOriginal'], ['xmp', 'CreateDate'], ['quicktime', 'CreateDate'], ['exif', 'ModifyDate'], ['pdf', 'CreateDate']]);
    if (date) out.push({ label: 'Date taken', value: valueText(date.value), id: 'date' });
    const gps = gpsOf(md);
    if (gps) out.push({ label: 'GPS position', value: gps.text + (gps.alt ? ' · ' + gps.alt : ''), id: 'gps', gps });
    const exposure = [first(md, [['exif', 'ExposureTime']]), first(md, [['exif', 'FNumber']]), first(md, [['exif', 'ISO']]), first(md, [['exif', 'FocalLength']])];
    if (exposure.some(Boolean)) {
      const [t, f, iso, fl] = exposure;
      out.push({ label: 'Exposure', id: 'exposure', value: [t && t.value + ' s', f && 'f/' + f.value, iso && 'ISO ' + iso.value, fl && valueText(fl.value)].filter(Boolean).join(' · ') });
    }
    const size = first(md, [['composite', 'ImageSize']]);
    const w = md.file && md.file.ImageWidth, h = md.file && md.file.ImageHeight;
    if (size || (w && h)) out.push({ label: 'Dimensions', value: size ? String(size.value).replace('x', ' × ') : w + ' × ' + h, id: 'dimensions' });
    const f = md.file || {};
    const type = f.FileType || f.MIMEType || f.Type;
    if (type) out.push({ label: 'File', value: [type, formatBytes(f.Size)].filter(Boolean).join(' · '), id: 'file' });
    return out;
  }

  // ---- result cards ----
  function newCard(title, subtitle) {
    const id = 'card-' + (++cardSeq);
    const closeBtn = el('button', { type: 'button', class: 'icon', 'aria-label': 'Close the result for ' + title, text: '×' });
    const progress = el('progress', { max: '100', 'aria-labelledby': id + '-pl' });
    const progressLabel = el('span', { id: id + '-pl', class: 'progress-label' });
    const card = el('article', { class: 'card', id, 'aria-labelledby': id + '-h', 'data-state': 'working' },
      el('header', { class: 'card-head' },
        el('div', {},
          el('h3', { id: id + '-h', text: title }),
          subtitle ? el('p', { class: 'sub', text: subtitle }) : null),
        closeBtn),
      el('div', { class: 'progress', role: 'status', 'aria-live': 'polite' }, progress, progressLabel),
      el('div', { class: 'error', role: 'alert', hidden: true }),
      el('div', { class: 'body' }));
    closeBtn.addEventListener('click', () => {
      const next = card.nextElementSibling || card.previousElementSibling;
      card.remove();
      const target = next ? next.querySelector('h3') : null;
      if (target) { target.tabIndex = -1; target.focus(); } else $('#file-input').focus();
    });
    $('#results').prepend(card);
    return {
      card,
      setProgress(loaded, total, verb) {
        const box = card.querySelector('.progress');
        box.hidden = false;
        if (loaded < 0) {
          progress.removeAttribute('value');
          progressLabel.textContent = 'Processing on the server…';
        } else {
          const pct = total ? Math.round((loaded / total) * 100) : 0;
          progress.value = pct;
          progressLabel.textContent = (verb || 'Uploading') + ' ' + pct + ' % (' + formatBytes(loaded) + ' of ' + formatBytes(total) + ')';
        }
      },
      working(text) {
        const box = card.querySelector('.progress');
        box.hidden = false;
        progress.removeAttribute('value');
        progressLabel.textContent = text;
      },
      done() { card.querySelector('.progress').hidden = true; },
      error(message) {
        card.dataset.state = 'error';
        const box = card.querySelector('.error');
        box.hidden = false;
        box.textContent = message;
        card.querySelector('.progress').hidden = true;
      },
      clearError() {
        const box = card.querySelector('.error');
        box.hidden = true;
        box.textContent = '';
      },
      body: card.querySelector('.body'),
    };
  }

  function renderSummary(md) {
    const items = summaryOf(md);
    if (!items.length) return el('p', { class: 'muted', text: 'No camera, date or position in this file.' });
    const dl = el('dl', { class: 'summary' });
    for (const it of items) {
      const dd = el('dd', { 'data-summary': it.id }, it.value);
      if (it.gps) {
        const lat = it.gps.lat.toFixed(6), lon = it.gps.lon.toFixed(6);
        dd.append(' ', el('a', {
          href: 'https://www.openstreetmap.org/?mlat=' + lat + '&mlon=' + lon + '#map=15/' + lat + '/' + lon,
          target: '_blank', rel: 'noopener noreferrer', class: 'map-link', 'data-lat': lat, 'data-lon': lon,
        }, 'Map (' + lat + ', ' + lon + ')', el('span', { class: 'visually-hidden', text: ' (opens OpenStreetMap in a new tab)' })));
      }
      dl.append(el('div', { class: 'summary-item' }, el('dt', { text: it.label }), dd));
    }
    return dl;
  }

  // Tabs (WAI-ARIA tab pattern) of the groups, with "All" first, and a search box that
  // filters tags and values in every group.
  function renderGroups(md, cardId) {
    // The groups people look for first; maker notes (long, cryptic) last.
    const order = ['file', 'exif', 'composite', 'iptc', 'xmp', 'icc_profile', 'quicktime', 'pdf'];
    const rank = (g) => (order.includes(g) ? order.indexOf(g) : g === 'makernotes' ? 1000 : 100);
    const groups = Object.keys(md).filter((g) => md[g] && typeof md[g] === 'object')
      .sort((a, b) => rank(a) - rank(b));
    const total = groups.reduce((n, g) => n + Object.keys(md[g]).length, 0);
    const wrap = el('div', { class: 'groups' });
    const searchId = cardId + '-search';
    const search = el('input', { type: 'search', id: searchId, placeholder: 'Tag or value', 'aria-controls': cardId + '-panel' });
    const count = el('span', { class: 'count', 'aria-live': 'polite' });
    wrap.append(el('div', { class: 'row search' }, el('label', { for: searchId, text: 'Search the ' + total + ' tags' }), search, count));

    const tablist = el('div', { role: 'tablist', 'aria-label': 'Metadata groups', class: 'tabs' });
    const panel = el('div', { role: 'tabpanel', id: cardId + '-panel', tabindex: '0', class: 'panel-body' });
    const names = ['all'].concat(groups);
    const tabs = names.map((g, i) => el('button', {
      type: 'button', role: 'tab', id: cardId + '-tab-' + i, 'aria-controls': cardId + '-panel',
      'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1', 'data-group': g,
    }, el('span', { text: g === 'all' ? 'All' : g }), ' ', el('span', { class: 'badge' })));
    tablist.append(...tabs);
    wrap.append(tablist, panel);
    let selected = 0;

    function matches(q, tag, value) {
      return !q || tag.toLowerCase().includes(q) || valueText(value).toLowerCase().includes(q);
    }
    function table(g, q) {
      const rows = Object.entries(md[g]).filter(([t, v]) => matches(q, t, v));
      if (!rows.length) return null;
      return el('table', { class: 'tags', 'data-group': g },
        el('caption', { class: g === names[selected] ? 'visually-hidden' : '', text: g }),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Tag' }), el('th', { scope: 'col', text: 'Value' }))),
        el('tbody', {}, rows.map(([t, v]) => el('tr', {}, el('th', { scope: 'row', text: t }), el('td', { text: valueText(v) })))));
    }
    function render() {
      const q = search.value.trim().toLowerCase();
      let shown = 0;
      names.forEach((g, i) => {
        const n = g === 'all'
          ? groups.reduce((s, x) => s + Object.entries(md[x]).filter(([t, v]) => matches(q, t, v)).length, 0)
          : Object.entries(md[g]).filter(([t, v]) => matches(q, t, v)).length;
        tabs[i].querySelector('.badge').textContent = n;
        tabs[i].classList.toggle('empty', n === 0);
        if (i === selected) shown = n;
      });
      panel.setAttribute('aria-labelledby', tabs[selected].id);
      panel.replaceChildren();
      const list = names[selected] === 'all' ? groups : [names[selected]];
      for (const g of list) {
        const t = table(g, q);
        if (t) panel.append(t);
      }
      if (!panel.childElementCount) panel.append(el('p', { class: 'muted', text: 'No tag matches “' + search.value + '”.' }));
      count.textContent = q ? shown + ' matching' : '';
    }
    function select(i, focus) {
      selected = i;
      tabs.forEach((t, j) => {
        t.setAttribute('aria-selected', j === i ? 'true' : 'false');
        t.tabIndex = j === i ? 0 : -1;
      });
      if (focus) tabs[i].focus();
      render();
    }
    tabs.forEach((t, i) => t.addEventListener('click', () => select(i, false)));
    tablist.addEventListener('keydown', (e) => {
      const n = tabs.length;
      const moves = { ArrowRight: (selected + 1) % n, ArrowLeft: (selected - 1 + n) % n, Home: 0, End: n - 1 };
      if (e.key in moves) { e.preventDefault(); select(moves[e.key], true); }
    });
    search.addEventListener('input', render);
    render();
    return wrap;
  }

  function renderReceipt(answer) {
    const r = answer.receipt || {};
    const removed = r.removed || {};
    const entries = Object.entries(removed);
    const totalRemoved = entries.reduce((s, [, n]) => s + (Number(n) || 0), 0);
    const box = el('section', { class: 'receipt', 'aria-label': 'Removal receipt' },
      el('h4', { text: 'Metadata removed' }));
    if (entries.length) {
      box.append(el('table', { class: 'tags receipt-table' },
        el('caption', { class: 'visually-hidden', text: 'Removed items by group' }),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Group' }), el('th', { scope: 'col', text: 'Removed' }))),
        el('tbody', {}, entries.map(([g, n]) => el('tr', {}, el('th', { scope: 'row', text: g }), el('td', { text: valueText(n) })))),
        el('tfoot', {}, el('tr', {}, el('th', { scope: 'row', text: 'Total' }), el('td', { text: String(totalRemoved) })))));
    } else {
      box.append(el('p', { text: 'There was no metadata to remove.' }));
    }
    if (typeof r.sizeBefore === 'number') {
      const saved = r.sizeBefore - (r.sizeAfter || 0);
      box.append(el('p', { class: 'sizes', text: 'Size: ' + formatBytes(r.sizeBefore) + ' → ' + formatBytes(r.sizeAfter) + (saved > 0 ? ' (' + formatBytes(saved) + ' less)' : '') }));
    }
    if (answer.downloadUrl) {
      const expires = answer.expiresAt ? new Date(answer.expiresAt * 1000) : null;
      // The same origin as the page: `downloadUrl` starts with PUBLIC_BASE_URL, which a
      // browser behind a proxy may not reach under that name.
      const href = answer.uuid ? '/download-cleaned/' + encodeURIComponent(answer.uuid) : answer.downloadUrl;
      box.append(el('p', { class: 'download' },
        el('a', { class: 'button primary', href, download: '', 'data-download': 'cleaned' }, 'Download the cleaned file'),
        expires ? el('span', { class: 'muted', text: ' Available until ' + expires.toLocaleString() + '.' }) : null));
    }
    return box;
  }

  function renderResult(c, answer, source) {
    const md = answer.metadata || {};
    c.done();
    c.card.dataset.state = 'done';
    c.card.dataset.uuid = answer.uuid || '';
    const removeBtn = el('button', { type: 'button', class: 'primary', 'data-action': 'remove' }, 'Remove metadata');
    const jsonBlob = new Blob([JSON.stringify(answer, null, 2)], { type: 'application/json' });
    const actions = el('div', { class: 'actions' },
      source ? removeBtn : null,
      el('a', { class: 'button', href: URL.createObjectURL(jsonBlob), download: (answer.fileName || 'metadata') + '.json' }, 'Save JSON'),
      el('span', { class: 'uuid' }, 'UUID ', el('code', { text: answer.uuid || '' })));
    const receiptSlot = el('div', { class: 'receipt-slot', 'aria-live': 'polite' });
    c.body.replaceChildren(renderSummary(md), actions, receiptSlot, renderGroups(md, c.card.id));
    if (answer.warnings && answer.warnings.length) {
      c.body.append(el('details', { class: 'warnings' }, el('summary', { text: answer.warnings.length + ' warning(s) while reading' }),
        el('ul', {}, answer.warnings.map((w) => el('li', { text: w })))));
    }
    if (answer.receipt || answer.downloadUrl) receiptSlot.append(renderReceipt(answer));
    removeBtn.addEventListener('click', async () => {
      removeBtn.disabled = true;
      c.clearError();
      try {
        const r = await submit('remove', source, (l, t) => c.setProgress(l, t));
        c.done();
        receiptSlot.replaceChildren(renderReceipt(r));
        removeBtn.disabled = false;
        removeBtn.textContent = 'Remove metadata again';
        const link = receiptSlot.querySelector('a[data-download]');
        if (link) link.focus();
      } catch (e) {
        c.error(e.message || String(e));
        removeBtn.disabled = false;
      }
    });
  }

  async function process(source, title, subtitle) {
    const c = newCard(title, subtitle);
    if (!currentKey()) {
      c.error('Enter your API key above first (it is sent as the X-API-Key header).');
      keyInput.focus();
      return;
    }
    c.working(source.file ? 'Uploading…' : 'Fetching the URL on the server…');
    try {
      const answer = await submit('extract', source, (l, t) => c.setProgress(l, t));
      renderResult(c, answer, source);
    } catch (e) {
      c.error(e.message || String(e));
    }
  }

  // Two at a time: a page with 50 dropped files stays responsive and fair to the server.
  const queue = [];
  let running = 0;
  function enqueue(task) {
    queue.push(task);
    pump();
  }
  function pump() {
    while (running < 2 && queue.length) {
      const t = queue.shift();
      running++;
      t().finally(() => { running--; pump(); });
    }
  }

  function handleFiles(files) {
    for (const f of Array.from(files || [])) {
      enqueue(() => process({ file: f }, f.name || 'pasted file', [f.type || 'unknown type', formatBytes(f.size)].join(' · ')));
    }
  }

  // ---- inputs ----
  const fileInput = $('#file-input');
  fileInput.addEventListener('change', () => {
    handleFiles(fileInput.files);
    fileInput.value = '';
  });

  const drop = $('#drop');
  ['dragenter', 'dragover'].forEach((t) => drop.addEventListener(t, (e) => {
    e.preventDefault();
    drop.classList.add('over');
  }));
  ['dragleave', 'drop'].forEach((t) => drop.addEventListener(t, () => drop.classList.remove('over')));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    handleFiles(e.dataTransfer && e.dataTransfer.files);
  });
  // A file dropped beside the zone would make the browser navigate away from the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());

  document.addEventListener('paste', (e) => {
    const files = e.clipboardData && e.clipboardData.files;
    if (files && files.length) {
      e.preventDefault();
      handleFiles(files);
      return;
    }
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
    const text = e.clipboardData && e.clipboardData.getData('text');
    if (text && /^https?:\/\//i.test(text.trim())) {
      e.preventDefault();
      $('#url-input').value = text.trim();
      $('#url-input').focus();
    }
  });

  $('#url-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const url = $('#url-input').value.trim();
    if (!url) return;
    const name = url.replace(/[?#].*$/, '').split('/').filter(Boolean).pop() || url;
    enqueue(() => process({ url }, name, url));
  });

  $('#lookup-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const uuid = $('#lookup-input').value.trim();
    const c = newCard('Result ' + uuid, 'Looked up by UUID');
    c.working('Looking up…');
    try {
      const a = await lookup(uuid);
      if (a.status === 'failed') c.error('The job failed: ' + (a.error || 'unknown reason') + '.');
      else if (a.status !== 'completed') c.error('The job is still ' + a.status + '; try again in a moment.');
      else renderResult(c, a, null);
    } catch (err) {
      c.error(err.message || String(err));
    }
  });
})();
