// Renders /openapi.json as a reference page: tags, operations, parameters, bodies,
// responses with schemas and examples, and the curl samples (x-codeSamples).
'use strict';

(function () {
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // A small, safe Markdown subset: paragraphs, **bold**, `code`, [links](url). Text only:
  // nothing from the document is ever parsed as HTML.
  function inline(text) {
    const out = [];
    const re = /(\*\*([^*]+)\*\*)|(`([^`]+)`)|(\[([^\]]+)\]\(([^)\s]+)\))/g;
    let last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) out.push(text.slice(last, m.index));
      if (m[1]) out.push(el('strong', { text: m[2] }));
      else if (m[3]) out.push(el('code', { text: m[4] }));
      else if (m[5]) out.push(el('a', { href: /^(https?:|\/|#)/.test(m[7]) ? m[7] : '#', text: m[6] }));
      last = re.lastIndex;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }
  function markdown(text) {
    if (!text) return [];
    return String(text).split(/\n\s*\n/).map((p) => el('p', {}, inline(p.trim())));
  }

  let doc = null;
  const origin = window.location.origin;
  const withOrigin = (s) => String(s).split('http://127.0.0.1:8080').join(origin);

  function resolve(s) {
    let seen = 0;
    while (s && s.$ref && seen++ < 20) {
      const parts = s.$ref.replace(/^#\//, '').split('/');
      s = parts.reduce((o, p) => (o ? o[p.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
    }
    return s || {};
  }
  function refName(s) { return s && s.$ref ? s.$ref.split('/').pop() : null; }

  function typeOf(s) {
    const r = resolve(s);
    const name = refName(s);
    let t = r.type;
    if (Array.isArray(t)) t = t.filter((x) => x !== 'null').join(' | ') + (t.includes('null') ? ' (nullable)' : '');
    if (!t && (r.oneOf || r.anyOf)) t = (r.oneOf || r.anyOf).map(typeOf).join(' | ');
    if (t === 'array' && r.items) t = typeOf(r.items) + '[]';
    if (t === 'object' && r.additionalProperties && typeof r.additionalProperties === 'object' && !r.properties) {
      t = 'map of ' + typeOf(r.additionalProperties);
    }
    if (r.format) t = (t || '') + ' (' + r.format + ')';
    if (!t) t = 'any';
    return name ? name + ': ' + t : t;
  }

  function schemaTree(s, depth) {
    const r = resolve(s);
    const root = el('div', { class: 'schema' });
    root.append(el('span', { class: 't', text: typeOf(s) }));
    if (r.description && depth === 0) root.append(el('div', { class: 'd' }, inline(r.description)));
    const props = r.properties || {};
    const required = new Set(r.required || []);
    if (Object.keys(props).length && depth < 3) {
      const ul = el('ul', {});
      for (const [name, p] of Object.entries(props)) {
        const pr = resolve(p);
        const li = el('li', {}, el('strong', { text: name }), ' ', el('span', { class: 't', text: typeOf(p) }),
          required.has(name) ? el('span', { class: 'req', text: ' required' }) : null,
          pr.description || p.description ? el('span', { class: 'd' }, ' — ', inline(p.description || pr.description)) : null);
        if (pr.properties && depth < 2) li.append(schemaTree(p, depth + 1));
        ul.append(li);
      }
      root.append(ul);
    }
    return root;
  }

  function exampleOf(media) {
    if (!media) return undefined;
    if (media.example !== undefined) return media.example;
    if (media.examples) {
      const first = Object.values(media.examples)[0];
      if (first && first.value !== undefined) return first.value;
    }
    const r = resolve(media.schema);
    if (r.example !== undefined) return r.example;
    if (r.examples && r.examples.length) return r.examples[0];
    return undefined;
  }

  function codeBlock(text, label) {
    const pre = el('pre', { class: 'code', tabindex: '0' }, el('code', { text }));
    const copy = el('button', { type: 'button', class: 'copy', 'aria-label': 'Copy ' + (label || 'the code') }, 'Copy');
    copy.addEventListener('click', async () => {
      try { await navigator.clipboard.writeText(text); copy.textContent = 'Copied'; } catch (_) { copy.textContent = 'Select and copy'; }
      setTimeout(() => { copy.textContent = 'Copy'; }, 1500);
    });
    return el('div', { class: 'sample' }, pre, copy);
  }

  function content(media, heading) {
    const box = el('div', {});
    for (const [ctype, m] of Object.entries(media || {})) {
      box.append(el('p', {}, heading ? heading + ' ' : '', el('code', { text: ctype })));
      if (m.schema) box.append(schemaTree(m.schema, 0));
      const ex = exampleOf(m);
      if (ex !== undefined) box.append(el('p', { class: 'sample-label', text: 'Example' }), codeBlock(typeof ex === 'string' ? ex : JSON.stringify(ex, null, 2), 'the example'));
    }
    return box;
  }

  function securityText(op) {
    const reqs = op.security || doc.security || [];
    if (!reqs.length) return 'None.';
    const schemes = (doc.components && doc.components.securitySchemes) || {};
    const optional = reqs.some((r) => Object.keys(r).length === 0);
    const names = reqs.flatMap((r) => Object.keys(r)).map((n) => {
      const s = schemes[n] || {};
      return s.in === 'header' ? 'the header ' + s.name : s.in === 'query' ? 'the query parameter ?' + s.name + '=' : n;
    });
    if (!names.length) return 'None.';
    return (optional ? 'Optional: ' : 'An API key, as ') + names.join(' or ') + '.';
  }

  function operation(path, method, op, id) {
    const sec = el('section', { class: 'op', id, 'aria-labelledby': id + '-h' });
    sec.append(el('h3', { id: id + '-h' }, el('span', { class: 'method ' + method, text: method }), el('code', { text: path }),
      op.summary ? el('span', { text: '— ' + op.summary }) : null));
    sec.append(...markdown(op.description));
    sec.append(el('h4', { text: 'Authentication' }), el('p', { text: securityText(op) }));

    const params = op.parameters || [];
    if (params.length) {
      sec.append(el('h4', { text: 'Parameters' }), el('table', { class: 'tags' },
        el('thead', {}, el('tr', {}, ['Name', 'In', 'Type', 'Description'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, params.map((p0) => {
          const p = resolve(p0);
          return el('tr', {}, el('th', { scope: 'row' }, el('code', { text: p.name }), p.required ? el('span', { class: 'req', text: ' required' }) : null),
            el('td', { text: p.in }), el('td', { text: typeOf(p.schema) }),
            el('td', {}, inline(p.description || ''), p.example !== undefined ? el('div', { class: 'muted' }, 'Example: ', el('code', { text: String(p.example) })) : null));
        }))));
    }
    if (op.requestBody) {
      const rb = resolve(op.requestBody);
      sec.append(el('h4', { text: 'Request body' + (rb.required ? '' : ' (one of these forms)') }), ...markdown(rb.description), content(rb.content, 'As'));
    }
    const responses = op.responses || {};
    sec.append(el('h4', { text: 'Responses' }));
    const table = el('table', { class: 'tags' },
      el('thead', {}, el('tr', {}, ['Status', 'Meaning'].map((h) => el('th', { scope: 'col', text: h })))));
    const tbody = el('tbody', {});
    for (const [code, r0] of Object.entries(responses)) {
      const r = resolve(r0);
      const cell = el('td', {}, ...markdown(r.description));
      if (r.headers && Object.keys(r.headers).length) {
        cell.append(el('p', { class: 'muted' }, 'Headers: ', Object.keys(r.headers).map((h, i) => [i ? ', ' : '', el('code', { text: h })])));
      }
      if (r.content) cell.append(content(r.content, ''));
      tbody.append(el('tr', { 'data-status': code }, el('th', { scope: 'row', class: 'status-code', text: code }), cell));
    }
    table.append(tbody);
    sec.append(table);

    const samples = op['x-codeSamples'] || [];
    if (samples.length) {
      sec.append(el('h4', { text: 'Examples' }));
      for (const s of samples) {
        sec.append(el('p', { class: 'sample-label', text: s.label || s.lang }), codeBlock(withOrigin(s.source), s.label));
      }
    }
    return sec;
  }

  function render() {
    const main = document.getElementById('main');
    const toc = document.getElementById('toc');
    main.replaceChildren();
    const info = doc.info || {};
    document.title = (info.title || 'API') + ' reference';
    main.append(el('section', { class: 'intro', 'aria-labelledby': 'intro-h' },
      el('h2', { id: 'intro-h', text: (info.title || 'API') + ' ' + (info.version || '') }),
      ...markdown(withOrigin(info.description)),
      el('p', { class: 'muted' }, 'OpenAPI ', doc.openapi, ' · generated from the server\'s code · ', el('a', { href: '/openapi.json', text: 'openapi.json' }))));

    const tags = (doc.tags || []).map((t) => t.name);
    const byTag = new Map(tags.map((t) => [t, []]));
    const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
    for (const [path, item] of Object.entries(doc.paths || {})) {
      for (const m of methods) {
        if (!item[m]) continue;
        const tag = (item[m].tags && item[m].tags[0]) || 'other';
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push([path, m, item[m]]);
      }
    }
    const tocList = [];
    for (const [tag, ops] of byTag) {
      if (!ops.length) continue;
      const t = (doc.tags || []).find((x) => x.name === tag) || {};
      const tagId = 'tag-' + tag;
      main.append(el('h2', { id: tagId, text: tag.charAt(0).toUpperCase() + tag.slice(1) }), ...markdown(t.description));
      const items = [];
      for (const [path, m, op] of ops) {
        const id = 'op-' + (op.operationId || (m + path).replace(/[^a-zA-Z0-9]+/g, '-'));
        main.append(operation(path, m, op, id));
        items.push(el('li', {}, el('a', { href: '#' + id }, el('span', { class: 'method ' + m, text: m }), ' ', el('code', { text: path }))));
      }
      tocList.push(el('h2', {}, el('a', { href: '#' + tagId, text: tag })), el('ul', {}, items));
    }
    toc.replaceChildren(...tocList);
    if (window.location.hash) {
      const target = document.getElementById(window.location.hash.slice(1));
      if (target) target.scrollIntoView();
    }
  }

  fetch('/openapi.json')
    .then((r) => {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    })
    .then((d) => { doc = d; render(); })
    .catch((e) => {
      const p = document.getElementById('loading');
      p.textContent = 'Could not load /openapi.json (' + e.message + ').';
      p.setAttribute('role', 'alert');
    });
})();
