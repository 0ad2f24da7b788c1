// Scenes: list and edit the scene files. Validation runs as you type and marks the line (gutter) and
// names the field of each problem; the preview shows the exact ChatML the dataset builder renders and
// its token count. Saving is atomic on the server and refused when the file changed since it was
// opened (another tab, another editor). New scenes start from a template.
import { api, el } from './common.js';

export async function mount(root, info) {
  root.append(el('h2', {}, 'Scenes'));
  if (!info.scenes) {
    root.append(el('p', { class: 'error' }, 'Start the studio with --scenes DIR to edit scenes.'));
    return null;
  }
  const files = el('div', { class: 'files', id: 'scene-files' });
  const newId = el('input', { type: 'text', id: 'scene-new-id', placeholder: 'new-scene-id', size: 18 });
  const newBtn = el('button', { id: 'scene-new' }, 'New');
  const title = el('div', { id: 'scene-name', class: 'muted' }, 'Pick a scene, or make a new one.');
  const gutter = el('div', { class: 'gutter', id: 'scene-gutter' });
  const text = el('textarea', { id: 'scene-text', spellcheck: 'false', disabled: true });
  const problems = el('ul', { class: 'problems', id: 'scene-problems' });
  const saveBtn = el('button', { class: 'primary', id: 'scene-save', disabled: true }, 'Save');
  const status = el('div', { class: 'status', id: 'scene-status' });
  const tokens = el('span', { id: 'scene-tokens', class: 'muted' });
  const preview = el('div', { id: 'scene-preview' });
  let current = null; // {name, version}
  let timer = null;
  let seq = 0;
  let marks = {};

  function drawGutter() {
    const n = text.value.split('\n').length;
    const rows = [];
    for (let i = 1; i <= n; i++) rows.push(el('div', { class: marks[i] || null, 'data-line': i }, String(i)));
    gutter.replaceChildren(...rows);
    gutter.scrollTop = text.scrollTop;
  }
  text.addEventListener('scroll', () => { gutter.scrollTop = text.scrollTop; });

  async function validate() {
    if (!current) return;
    const mine = ++seq;
    let v;
    try { v = await api('/api/scenes/validate', { method: 'POST', body: { name: current.name, text: text.value } }); } catch (e) { status.textContent = e.message; return; }
    if (mine !== seq) return; // an older answer
    marks = {};
    for (const p of v.problems) if (p.line > 0 && marks[p.line] !== 'err') marks[p.line] = p.severity === 'error' ? 'err' : 'warn';
    drawGutter();
    problems.replaceChildren(...v.problems.map((p) => {
      const li = el('li', { class: p.severity, 'data-line': p.line },
        `line ${p.line}${p.column ? `:${p.column}` : ''}`, p.field ? ` · ${p.field}` : '', ` — ${p.severity}: ${p.message}`);
      li.addEventListener('click', () => goToLine(p.line));
      return li;
    }));
    const errors = v.problems.filter((p) => p.severity === 'error').length;
    problems.dataset.errors = String(errors);
    tokens.textContent = v.previews.map((p) => `${p.id}: ${p.tokens} tokens`).join(' · ');
    preview.replaceChildren(...v.previews.map((p) => el('div', {}, el('h3', {}, `ChatML of ${p.id} (${p.tokens} tokens)`), el('pre', { class: 'chatml' }, p.chatml))));
    if (!v.previews.length && errors) preview.replaceChildren(el('p', { class: 'muted' }, 'Fix the errors to see the ChatML.'));
  }

  function goToLine(line) {
    const lines = text.value.split('\n');
    let pos = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    text.focus();
    text.setSelectionRange(pos, pos + (lines[line - 1] || '').length);
    text.scrollTop = Math.max(0, (line - 5) * 18);
  }

  text.addEventListener('input', () => {
    drawGutter();
    status.className = 'status';
    status.textContent = 'edited, not saved';
    clearTimeout(timer);
    timer = setTimeout(validate, 250);
  });

  function load(f) {
    current = { name: f.name, version: f.version };
    text.value = f.text;
    text.disabled = false;
    saveBtn.disabled = false;
    title.textContent = f.name;
    status.className = 'status';
    status.textContent = `version ${f.version.slice(0, 8)}`;
    for (const a of files.querySelectorAll('a')) a.classList.toggle('active', a.dataset.name === f.name);
    drawGutter();
    validate();
  }

  async function open(name) {
    try { load(await api(`/api/scenes/file?name=${encodeURIComponent(name)}`)); } catch (e) { status.className = 'status error'; status.textContent = e.message; }
  }

  async function refreshList() {
    const list = await api('/api/scenes');
    files.replaceChildren(...list.map((f) => {
      const a = el('a', { href: '#scenes', 'data-name': f.name }, f.name);
      a.addEventListener('click', (e) => { e.preventDefault(); open(f.name); });
      return a;
    }));
    if (current) for (const a of files.querySelectorAll('a')) a.classList.toggle('active', a.dataset.name === current.name);
  }

  saveBtn.addEventListener('click', async () => {
    if (!current) return;
    status.className = 'status';
    status.textContent = 'saving…';
    try {
      const r = await api('/api/scenes/file', { method: 'PUT', body: { name: current.name, text: text.value, version: current.version } });
      current.version = r.version;
      status.textContent = `saved (version ${r.version.slice(0, 8)})`;
      status.dataset.saved = r.version;
      refreshList();
    } catch (e) {
      status.className = 'status error';
      status.textContent = e.message;
    }
  });

  newBtn.addEventListener('click', async () => {
    try {
      const f = await api('/api/scenes/new', { method: 'POST', body: { id: newId.value.trim() } });
      await refreshList();
      load(f);
    } catch (e) { status.className = 'status error'; status.textContent = e.message; }
  });

  root.append(el('div', { class: 'scenes' },
    el('div', {}, el('div', { class: 'row' }, newId, newBtn), files),
    el('div', {}, el('div', { class: 'row' }, title, saveBtn, tokens), status,
      el('div', { class: 'editor' }, gutter, text), problems, preview)));
  await refreshList();
  return null;
}
