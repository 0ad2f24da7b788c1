// Shared helpers of the studio's pages. Everything shown is built with text nodes (never innerHTML),
// so text from models, traces, scenes and notes cannot become markup.

/** Calls the studio's JSON API; throws an Error carrying status and field on a non-2xx answer. */
export async function api(path, { method = 'GET', body } = {}) {
  const opt = { method, headers: {} };
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch(path, opt);
  let data;
  try { data = await r.json(); } catch (e) { data = { error: r.statusText }; }
  if (!r.ok) {
    const err = new Error(data.error || r.statusText);
    err.status = r.status;
    err.field = data.field;
    throw err;
  }
  return data;
}

/** Creates an element: el('div', {class: 'x', onclick: f}, 'text', child, ...). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Follows a job's event stream; handlers by event name. Returns a function that stops watching (and so the job). */
export function watch(jobId, handlers) {
  const es = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/events`);
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (e) => {
      let data = {};
      try { data = JSON.parse(e.data); } catch (x) { return; }
      fn(data);
      if (name === 'end') es.close();
    });
  }
  if (!handlers.end) es.addEventListener('end', () => es.close());
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED && handlers.lost) handlers.lost();
  };
  return () => es.close();
}

export async function stopJob(jobId) {
  if (jobId) {
    try { await api(`/api/jobs/${encodeURIComponent(jobId)}/stop`, { method: 'POST', body: {} }); } catch (e) { /* finished */ }
  }
}

let behaviourLabels = {};
export function setBehaviours(list) {
  behaviourLabels = Object.fromEntries(list.map((b) => [b.key, b.label]));
}

/** The legend of behaviour colours. */
export function legend() {
  return el('div', { class: 'legend' }, 'Detected behaviours: ',
    Object.entries(behaviourLabels).map(([k, l]) => el('mark', { class: `b-${k}` }, l)));
}

/** Fills `box` with `text`, the stretches in `spans` ([[key, start, end], ...]) marked by behaviour. */
export function renderMarked(box, text, spans) {
  box.replaceChildren();
  const cuts = new Set([0, text.length]);
  for (const [, s, e] of spans) { if (e <= text.length) { cuts.add(s); cuts.add(e); } }
  const cs = [...cuts].sort((a, b) => a - b);
  for (let i = 0; i + 1 < cs.length; i++) {
    const a = cs[i], b = cs[i + 1];
    const active = spans.filter(([, s, e]) => s <= a && e >= b && e <= text.length).map(([k]) => k);
    const seg = text.slice(a, b);
    if (active.length === 0) box.append(document.createTextNode(seg));
    else {
      const keys = [...new Set(active)];
      box.append(el('mark', { class: keys.map((k) => `b-${k}`).join(' '), title: keys.map((k) => behaviourLabels[k] || k).join(', ') }, seg));
    }
  }
}

/**
 * Fills `box` with tokens coloured by entropy (nats), relative to the most uncertain token of the pane
 * (at least 2 nats): pale yellow = sure, deep orange = the most uncertain. Hover a token for its value.
 */
export function renderHeat(box, tokens) {
  box.replaceChildren();
  box.classList.add('heat');
  const top = Math.max(2, ...tokens.map((t) => (Number.isFinite(t.e) ? t.e : 0)));
  for (const t of tokens) {
    if (t.e === null || t.e === undefined) { box.append(document.createTextNode(t.t)); continue; }
    const x = Math.max(0, Math.min(1, t.e / top));
    const s = el('span', { title: `entropy ${t.e.toFixed(2)} nats` }, t.t);
    s.style.background = `hsl(${Math.round(55 - 35 * x)}, 100%, ${Math.round(95 - 30 * x)}%)`;
    box.append(s);
  }
}

/** A streaming pane (reasoning or answer): tokens arrive one by one, spans now and then. */
export class Pane {
  constructor(kind, title) {
    this.kind = kind;
    this.tokens = [];
    this.text = '';
    this.spans = [];
    this.heat = false;
    this.box = el('div', { class: 'text' });
    this.node = el('div', { class: `pane ${kind}`, 'data-pane': kind }, el('div', { class: 'label' }, title), this.box);
  }
  add(t, e) {
    this.tokens.push({ t, e });
    this.text += t;
    if (this.heat) this.render();
    else this.box.append(document.createTextNode(t));
    this.node.scrollTop = this.node.scrollHeight;
  }
  setSpans(spans) { this.spans = spans; if (!this.heat) this.render(); }
  setText(text, spans) { this.text = text; this.tokens = [{ t: text, e: null }]; this.spans = spans || []; this.render(); }
  setHeat(on) { this.heat = on; this.render(); }
  render() {
    this.box.classList.remove('heat');
    if (this.heat) renderHeat(this.box, this.tokens);
    else renderMarked(this.box, this.text, this.spans);
  }
}

/** Thought metrics {key: value} as a compact grid of cells, behaviour rates in their colours. */
export function metricsTable(metrics, keys) {
  const shown = (keys || Object.keys(metrics)).filter((k) => metrics[k] !== undefined);
  return el('div', { class: 'metrics mgrid' }, shown.map((k) => {
    const b = k.endsWith('Per1k') ? k.slice(0, -5) : '';
    return el('div', { class: 'mcell', 'data-metric': k }, el('span', { class: `mkey${behaviourLabels[b] ? ` b-${b}` : ''}` }, k),
      el('span', { class: 'mval' }, fmt(metrics[k])));
  }));
}

export function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** A word diff: [[op, text], ...] with op same | deleted | inserted. */
export function renderDiff(parts) {
  return el('div', { class: 'diff' }, parts.map(([op, t]) => op === 'deleted' ? el('del', {}, t) : op === 'inserted' ? el('ins', {}, t) : t));
}

/** Sampling controls shared by Ask, Compare and Loop; `values()` reads them. */
export function samplingControls(info) {
  const max = el('input', { type: 'number', min: 1, max: 4096, value: 192, name: 'maxNewTokens' });
  const temp = el('input', { type: 'number', min: 0, max: 2, step: 0.1, value: 0, name: 'temperature' });
  const think = el('input', { type: 'checkbox', name: 'think', checked: true });
  const budget = el('input', { type: 'number', min: 0, max: 4096, value: info.thinkBudget, name: 'thinkBudget',
    title: 'reasoning tokens before </think> is forced; 0 = let the model decide' });
  const node = el('span', { class: 'row' },
    el('label', {}, 'max tokens ', max), el('label', {}, 'temperature ', temp),
    el('label', {}, think, ' think'), el('label', {}, 'think budget ', budget));
  return {
    node,
    values: () => ({ maxNewTokens: Number(max.value), temperature: Number(temp.value), think: think.checked,
      thinkBudget: Number(budget.value) }),
  };
}

/** A <select> of the model variants (base and adapters). */
export function variantSelect(info) {
  return el('select', { name: 'variant' }, info.variants.map((v) => el('option', { value: v.index }, v.label)));
}

/** The SVG of a chart from the report's renderer, parsed as XML (never as HTML) and scrubbed of scripts and handlers. */
export function svgNode(text) {
  const svg = /^<svg[^>]*\sxmlns=/.test(text) ? text : text.replace(/^<svg\b/, '<svg xmlns="http://www.w3.org/2000/svg"');
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg') return el('div', { class: 'error' }, 'chart could not be read');
  for (const bad of root.querySelectorAll('script, foreignObject')) bad.remove();
  for (const n of [root, ...root.querySelectorAll('*')]) {
    for (const a of [...n.attributes]) {
      if (a.name.toLowerCase().startsWith('on') || /^\s*javascript:/i.test(a.value)) n.removeAttribute(a.name);
    }
  }
  return document.importNode(root, true);
}
