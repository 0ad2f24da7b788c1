// Loop: the thinking loop live on a prompt or a scene: each iteration streams into its own card,
// stacked; when it is done its rewrite is shown as a word diff against the iteration before, with
// its metrics. The trace goes to RUN/traces/loop.jsonl, as `ltm loop` writes it.
import { api, el, watch, stopJob, Pane, legend, metricsTable, renderDiff, samplingControls, variantSelect } from './common.js';
import { notesList } from './ask.js';

export function mount(root, info) {
  const prompt = el('textarea', { class: 'prompt', id: 'loop-prompt' }, 'Is retrieval enough, or should I fine-tune?');
  const scene = el('input', { type: 'text', id: 'loop-scene', placeholder: 'or a scene id', size: 24, list: 'loop-scene-ids' });
  const sceneIds = el('datalist', { id: 'loop-scene-ids' });
  if (info.scenes) {
    api('/api/scenes/ids').then((ids) => sceneIds.replaceChildren(...ids.map((s) => el('option', { value: s.id }, s.title || s.id))))
      .catch(() => {});
  }
  const iterations = el('input', { type: 'number', id: 'loop-iterations', min: 1, max: 8, value: 2 });
  const run = el('input', { type: 'text', id: 'loop-run', value: 'studio', size: 14 });
  const variant = variantSelect(info);
  const useNotes = el('input', { type: 'checkbox', checked: info.notes, disabled: !info.notes });
  const sampling = samplingControls(info);
  const goBtn = el('button', { class: 'primary', id: 'loop-go', disabled: !info.runs }, 'Run loop');
  const stopBtn = el('button', { id: 'loop-stop', disabled: true }, 'Stop');
  const status = el('div', { class: 'status', id: 'loop-status' });
  const stack = el('div', { id: 'loop-iterations-stack' });
  const notesBox = el('div');
  let cards = {};
  let job = null;
  let unwatch = null;

  function card(it) {
    if (cards[it]) return cards[it];
    const c = { reasoning: new Pane('reasoning', 'reasoning'), answer: new Pane('answer', 'answer'), extra: el('div') };
    c.node = el('div', { class: 'iteration', 'data-iteration': it }, el('h3', {}, `iteration ${it}`, it === 0 ? ' — the answer' : ' — reflect and rewrite'),
      el('div', { class: 'panes' }, c.reasoning.node, c.answer.node), c.extra);
    stack.append(c.node);
    cards[it] = c;
    return c;
  }

  async function go() {
    if (unwatch) unwatch();
    cards = {};
    stack.replaceChildren();
    notesBox.replaceChildren();
    root.dataset.done = 'false';
    status.className = 'status';
    status.textContent = 'starting…';
    goBtn.disabled = true;
    const body = { iterations: Number(iterations.value), run: run.value, variant: Number(variant.value), notes: useNotes.checked, ...sampling.values() };
    if (scene.value.trim()) body.scene = scene.value.trim(); else body.prompt = prompt.value;
    try {
      job = (await api('/api/loop', { method: 'POST', body })).job;
      stopBtn.disabled = false;
      unwatch = watch(job, {
        notes: (d) => notesBox.replaceChildren(notesList(d.notes)),
        iterationStarted: (d) => { card(d.it); status.textContent = `iteration ${d.it}…`; },
        token: (d) => (d.r ? card(d.it).reasoning : card(d.it).answer).add(d.t, d.e),
        spans: (d) => (d.pane === 'reasoning' ? card(d.it).reasoning : card(d.it).answer).setSpans(d.spans),
        iteration: (d) => {
          const c = card(d.it);
          c.reasoning.setText(d.reasoning, d.reasoningSpans);
          c.answer.setText(d.answer, d.answerSpans);
          const parts = [];
          if (d.resumed) parts.push(el('div', { class: 'muted' }, 'already in the trace file (resumed, not generated again)'));
          if (d.answerDiff) {
            parts.push(el('h4', {}, d.changed ? 'answer rewritten (diff against the iteration before)' : 'answer unchanged'), renderDiff(d.answerDiff));
          }
          parts.push(el('details', {}, el('summary', {}, 'thought metrics'), metricsTable(d.metrics)));
          c.extra.replaceChildren(...parts);
          c.node.dataset.done = 'true';
        },
        loopDone: (d) => {
          status.textContent = `trace written to runs/${d.trace} (probe ${d.probe})${d.stoppedEarly ? '; stopped early: the answer no longer changed' : ''}`;
          status.dataset.trace = d.trace;
        },
        end: (d) => {
          goBtn.disabled = false; stopBtn.disabled = true; job = null;
          if (d.state !== 'done') { status.className = d.state === 'failed' ? 'status error' : 'status'; status.textContent = `${d.state}: ${d.message}`; }
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
  root.append(...[el('h2', {}, 'Thinking loop'),
    info.runs ? null : el('p', { class: 'error' }, 'Start the studio with --runs DIR: the loop writes its trace into a run folder there.'),
    prompt,
    el('div', { class: 'row' }, el('label', { title: 'a held-out scene: its prompt, context and language' }, 'scene ', scene, sceneIds), el('label', {}, 'iterations ', iterations),
      el('label', {}, 'run folder ', run), el('label', {}, 'model ', variant), el('label', {}, useNotes, ' ground in vault notes')),
    el('div', { class: 'row' }, sampling.node),
    el('div', { class: 'row' }, goBtn, stopBtn, legend()), status, notesBox, stack].filter(Boolean));
  return () => { if (unwatch) unwatch(); };
}
