// Compare: one prompt answered by the base and by every adapter at once, side by side, each with
// the thought metrics of its answer under it.
import { api, el, watch, stopJob, Pane, legend, metricsTable, samplingControls } from './common.js';

export function mount(root, info) {
  const prompt = el('textarea', { class: 'prompt', id: 'compare-prompt' }, 'How much data is enough for a first LoRA run?');
  const sampling = samplingControls(info);
  const goBtn = el('button', { class: 'primary', id: 'compare-go' }, 'Compare');
  const stopBtn = el('button', { id: 'compare-stop', disabled: true }, 'Stop');
  const heat = el('input', { type: 'checkbox' });
  const status = el('div', { class: 'status', id: 'compare-status' });
  const grid = el('div', { class: 'grid', id: 'compare-grid' });
  let cols = [];
  let job = null;
  let unwatch = null;

  heat.addEventListener('change', () => cols.forEach((c) => { c.reasoning.setHeat(heat.checked); c.answer.setHeat(heat.checked); }));

  function columns() {
    cols = info.variants.map((v) => {
      const c = { reasoning: new Pane('reasoning', 'reasoning'), answer: new Pane('answer', 'answer'), metrics: el('div', { class: 'metrics-box' }), count: 0 };
      c.status = el('div', { class: 'status' });
      c.node = el('div', { class: 'column', 'data-variant': v.index }, el('h3', {}, v.label), c.status, c.reasoning.node, c.answer.node, c.metrics);
      return c;
    });
    grid.replaceChildren(...cols.map((c) => c.node));
  }

  async function go() {
    if (unwatch) unwatch();
    columns();
    root.dataset.done = 'false';
    status.className = 'status';
    status.textContent = 'starting…';
    goBtn.disabled = true;
    try {
      job = (await api('/api/compare', { method: 'POST', body: { prompt: prompt.value, ...sampling.values() } })).job;
      stopBtn.disabled = false;
      status.textContent = 'streaming…';
      unwatch = watch(job, {
        token: (d) => { const c = cols[d.v]; (d.r ? c.reasoning : c.answer).add(d.t, d.e); c.status.textContent = `${++c.count} tokens…`; },
        spans: (d) => { const c = cols[d.v]; (d.pane === 'reasoning' ? c.reasoning : c.answer).setSpans(d.spans); },
        result: (d) => {
          const c = cols[d.v];
          c.status.textContent = `${d.tokens} tokens, finished: ${d.finish}`;
          c.metrics.replaceChildren(metricsTable(d.metrics));
          c.node.dataset.done = 'true';
        },
        end: (d) => {
          goBtn.disabled = false; stopBtn.disabled = true; job = null;
          status.className = d.state === 'failed' ? 'status error' : 'status';
          status.textContent = d.state === 'done' ? 'done' : `${d.state}: ${d.message}`;
          root.dataset.done = 'true';
        },
      });
    } catch (e) {
      goBtn.disabled = false;
      status.className = 'status error';
      status.textContent = e.message;
    }
  }

  goBtn.addEventListener('click', go);
  stopBtn.addEventListener('click', () => stopJob(job));
  columns();
  root.append(...[el('h2', {}, 'Compare'),
    info.variants.length < 2 ? el('p', { class: 'muted' }, 'Only the base is loaded; start the studio with --adapter DIR (repeatable) to compare.') : null,
    prompt, el('div', { class: 'row' }, sampling.node),
    el('div', { class: 'row' }, goBtn, stopBtn, el('label', {}, heat, ' entropy heat map'), legend()), status, grid].filter(Boolean));
  return () => { if (unwatch) unwatch(); };
}
