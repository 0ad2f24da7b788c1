// Notes: search the vault index (hybrid BM25 + vectors, link expansion) with filters; every hit
// carries its citation, which opens the note in Obsidian.
import { api, el } from './common.js';

export function mount(root, info) {
  root.append(el('h2', {}, 'Notes'));
  if (!info.notes) {
    root.append(el('p', { class: 'error' }, 'Start the studio with --vault DIR --index DIR (build the index with `ltm index`) to search notes.'));
    return null;
  }
  const q = el('input', { type: 'search', id: 'notes-q', size: 50, placeholder: 'search the vault…' });
  const mode = el('select', { id: 'notes-mode' }, ['hybrid', 'bm25', 'vector'].map((m) => el('option', { value: m }, m)));
  const tag = el('input', { type: 'text', id: 'notes-tag', placeholder: 'tag', size: 12 });
  const folder = el('input', { type: 'text', id: 'notes-folder', placeholder: 'folder', size: 14 });
  const go = el('button', { class: 'primary', id: 'notes-go' }, 'Search');
  const status = el('div', { class: 'status', id: 'notes-status' }, `${info.vault}: ${info.noteCount} notes indexed`);
  const results = el('div', { id: 'notes-results' });

  async function search() {
    const p = new URLSearchParams({ q: q.value, mode: mode.value });
    if (tag.value.trim()) p.set('tag', tag.value.trim());
    if (folder.value.trim()) p.set('folder', folder.value.trim());
    status.className = 'status';
    status.textContent = 'searching…';
    try {
      const r = await api(`/api/notes/search?${p}`);
      status.textContent = `${r.results.length} result(s)`;
      results.replaceChildren(...r.results.map((x) => el('div', { class: 'result' },
        el('div', {}, el('strong', {}, x.title), x.heading ? ` › ${x.heading}` : ''),
        el('div', { class: 'cite' }, x.uri ? el('a', { href: x.uri, title: 'open in Obsidian' }, x.citation) : x.citation,
          ` · ${x.source} · score ${x.score}`, x.linkedFrom ? ` · via ${x.linkedFrom}` : '', x.tags.length ? ` · #${x.tags.join(' #')}` : ''),
        el('div', { class: 'snippet' }, x.text.length > 600 ? `${x.text.slice(0, 600)}…` : x.text))));
    } catch (e) {
      status.className = 'status error';
      status.textContent = e.message;
    }
  }
  go.addEventListener('click', search);
  q.addEventListener('keydown', (e) => { if (e.key === 'Enter') search(); });
  root.append(el('div', { class: 'row' }, q, mode, tag, folder, go), status, results);
  return null;
}
