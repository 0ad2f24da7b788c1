// Runs: every run folder under --runs; for one, the report's charts (loss and eval curves, thought
// metrics per checkpoint with intervals), its summary table with deltas against the base, and each
// probe's answers across checkpoints side by side. All numbers and charts come from the report's code.
import { api, el, fmt, renderMarked, legend, svgNode } from './common.js';

export async function mount(root, info) {
  root.append(el('h2', {}, 'Runs'));
  if (!info.runs) {
    root.append(el('p', { class: 'error' }, 'Start the studio with --runs DIR to see training runs.'));
    return null;
  }
  const list = el('div', { class: 'runs-list', id: 'runs-list' });
  const view = el('div', { id: 'run-view' });
  root.append(list, view);
  let runs = [];
  try { runs = await api('/api/runs'); } catch (e) { list.append(el('p', { class: 'error' }, e.message)); return null; }
  if (!runs.length) list.append(el('p', { class: 'muted' }, 'No run folders yet (folders with metrics.jsonl or traces/).'));
  for (const r of runs) {
    const b = el('button', { 'data-run': r.name }, r.name, r.training ? ' · training' : '', r.traces ? ' · traces' : '');
    b.addEventListener('click', () => open(r.name));
    list.append(b);
  }
  const wanted = decodeURIComponent((location.hash.split('/')[1] || ''));
  if (wanted && runs.some((r) => r.name === wanted)) open(wanted);

  async function open(name) {
    view.replaceChildren(el('p', { class: 'muted' }, `loading ${name}…`));
    let d;
    try { d = await api(`/api/runs/${encodeURIComponent(name)}`); } catch (e) { view.replaceChildren(el('p', { class: 'error' }, e.message)); return; }
    const parts = [el('h2', {}, d.name), el('p', { class: 'muted' }, `${d.trainingSteps} training steps logged · ${d.traceRecords} trace records`)];
    if (d.warnings.length) parts.push(el('ul', { class: 'error' }, d.warnings.map((w) => el('li', {}, w))));
    const training = d.charts.filter((c) => c.group === 'training');
    const thought = d.charts.filter((c) => c.group === 'thought');
    parts.push(el('h3', {}, 'Training'), training.length ? charts(training) : el('p', { class: 'muted' }, 'No metrics.jsonl in this run.'));
    parts.push(el('h3', {}, 'Thought metrics per checkpoint'));
    if (d.groups.length) parts.push(summary(d), charts(thought)); else parts.push(el('p', { class: 'muted' }, 'No traces yet.'));
    parts.push(el('h3', {}, 'How thinking evolved, probe by probe'), legend(), ...d.probes.map(probe));
    view.replaceChildren(...parts);
    view.dataset.run = name;
  }
}

function charts(list) {
  return el('div', { class: 'charts' }, list.map((c) => el('figure', { 'data-chart': c.id }, svgNode(c.svg), el('figcaption', {}, c.title))));
}

function summary(d) {
  const keys = d.metrics.filter((m) => d.groups.some((g) => g.metrics[m.key] && g.metrics[m.key].n > 0));
  return el('div', { class: 'table-wrap' }, el('table', { class: 'metrics', id: 'run-summary' },
    el('tr', {}, el('th', {}, 'metric'), d.groups.map((g) => el('th', {}, g.label, el('br'), el('small', {}, `${g.probes} probes, ${g.records} records`)))),
    keys.map((m) => el('tr', {}, el('td', { title: m.label }, m.key), d.groups.map((g) => {
      const iv = g.metrics[m.key];
      if (!iv || iv.n === 0) return el('td', {}, '–');
      const dl = g.deltaVsBase[m.key];
      return el('td', {}, `${fmt(iv.mean)} `, el('small', {}, `[${fmt(iv.lower)}, ${fmt(iv.upper)}]`),
        dl && dl.n > 0 ? [el('br'), el('span', { class: dl.includesZero ? 'delta ns' : 'delta' }, `Δ ${dl.mean >= 0 ? '+' : ''}${fmt(dl.mean)} [${fmt(dl.lower)}, ${fmt(dl.upper)}]`)] : null);
    })))));
}

function probe(p) {
  return el('article', { class: 'probe', 'data-probe': p.id }, el('h3', {}, el('code', {}, p.id), ' ', p.prompt),
    el('div', { class: 'grid' }, p.variants.map((v) => el('div', { class: 'column', 'data-variant': v.label }, el('h3', {}, v.label, v.base ? ' (base)' : ''),
      v.iterations.map((it) => {
        const r = el('div', { class: 'text' });
        const a = el('div', { class: 'text' });
        renderMarked(r, it.reasoning || '(none)', it.reasoning ? it.reasoningSpans : []);
        renderMarked(a, it.answer, it.answerSpans);
        return el('div', {}, el('div', { class: 'muted' }, `iteration ${it.iteration}`),
          el('div', { class: 'pane reasoning' }, el('div', { class: 'label' }, 'reasoning'), r),
          el('div', { class: 'pane answer' }, el('div', { class: 'label' }, 'answer'), a));
      })))));
}
