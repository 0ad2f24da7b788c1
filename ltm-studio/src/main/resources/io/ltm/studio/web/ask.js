// Ask: one prompt; the reasoning and the answer stream into their panes token by token, detected
// behaviours highlighted as they appear, an entropy heat map on demand, retrieved notes with citations.
import { api, el, watch, stopJob, Pane, legend, metricsTable, samplingControls, variantSelect } from './common.js';

export function mount(root, info) {
  const prompt = el('textarea', { class: 'prompt', id: 'ask-prompt', placeholder: 'Ask something and watch it think…' },
    'Should I train on the reasoning or only on the answer?');
  const sampling = samplingControls(info);
  const variant = variantSelect(info);
  const useNotes = el('input', { type: 'checkbox', checked: info.notes, disabled: !info.notes });
  const heat = el('input', { type: 'checkbox', id: 'ask-heat' });
  const askBtn = el('button', { class: 'primary', id: 'ask-go' }, 'Ask');
  const stopBtn = el('button', { id: 'ask-stop', disabled: true }, 'Stop');
  const status = el('div', { class: 'status', id: 'ask-status' });
  const notesBox = el('div', { id: 'ask-notes' });
  const reasoning = new Pane('reasoning', 'reasoning');
  const answer = new Pane('answer', 'answer');
  const metricsBox = el('div', { id: 'ask-metrics' });
  let job = null;
  let unwatch = null;
  let count = 0;

  heat.addEventListener('change', () => { reasoning.setHeat(heat.checked); answer.setHeat(heat.checked); });

  async function go() {
    if (unwatch) unwatch();
    for (const p of [reasoning, answer]) { p.tokens = []; p.text = ''; p.spans = []; p.render(); }
    notesBox.replaceChildren();
    metricsBox.replaceChildren();
    count = 0;
    status.className = 'status';
    status.textContent = 'starting…';
    askBtn.disabled = true;
    try {
      const r = await api('/api/ask', { method: 'POST', body: { prompt: prompt.value, variant: Number(variant.value), notes: useNotes.checked, ...sampling.values() } });
      job = r.job;
      stopBtn.disabled = false;
      unwatch = watch(job, {
        token: (d) => { (d.r ? reasoning : answer).add(d.t, d.e); count++; status.textContent = `${count} tokens…`; },
        spans: (d) => (d.pane === 'reasoning' ? reasoning : answer).setSpans(d.spans),
        notes: (d) => notesBox.replaceChildren(notesList(d.notes)),
        result: (d) => {
          metricsBox.replaceChildren(el('h3', {}, 'Thought metrics of this answer'), metricsTable(d.metrics));
          status.textContent = `${d.tokens} tokens, finished: ${d.finish}`;
        },
        end: (d) => {
          askBtn.disabled = false; stopBtn.disabled = true; job = null;
          if (d.state === 'stopped') status.textContent = `stopped after ${count} tokens (${d.message})`;
          if (d.state === 'failed') { status.className = 'status error'; status.textContent = d.message; }
          root.dataset.done = 'true';
        },
      });
    } catch (e) {
      askBtn.disabled = false;
      status.className = 'status error';
      status.textContent = e.message;
    }
  }

  askBtn.addEventListener('click', () => { root.dataset.done = 'false'; go(); });
  stopBtn.addEventListener('click', () => stopJob(job));

  root.append(
    el('h2', {}, 'Ask'),
    prompt,
    el('div', { class: 'row' }, el('label', {}, 'model ', variant), sampling.node,
      el('label', { title: info.notes ? '' : 'start the studio with --vault and --index' }, useNotes, ' ground in vault notes')),
    el('div', { class: 'row' }, askBtn, stopBtn, el('label', {}, heat, ' entropy heat map'), legend()),
    status, notesBox,
    el('div', { class: 'panes' }, reasoning.node, answer.node),
    metricsBox);
  return () => { if (unwatch) unwatch(); };
}

export function notesList(notes) {
  if (!notes.length) return el('div', { class: 'notes-list muted' }, 'No vault notes matched.');
  return el('div', { class: 'notes-list' }, el('strong', {}, 'Retrieved notes'),
    el('ol', {}, notes.map((n) => el('li', {},
      n.uri ? el('a', { href: n.uri, title: 'open in Obsidian' }, n.citation) : el('span', {}, n.citation),
      el('div', { class: 'muted' }, n.text.length > 240 ? `${n.text.slice(0, 240)}…` : n.text)))));
}
