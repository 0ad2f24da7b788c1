// The studio's shell: loads /api/info, shows which model runs (and a warning with the random model)
// on every page, and mounts one page module per #hash. A page's unmount() closes its event streams,
// which stops its generation on the server.
import { api, el, setBehaviours } from './common.js';
import * as ask from './ask.js';
import * as compare from './compare.js';
import * as loop from './loop.js';
import * as runs from './runs.js';
import * as scenes from './scenes.js';
import * as notes from './notes.js';

const pages = { ask, compare, loop, runs, scenes, notes };
let info = null;
let unmount = null;

async function show() {
  const name = (location.hash || '#ask').slice(1).split('/')[0];
  const page = pages[name] || ask;
  if (unmount) { try { unmount(); } catch (e) { /* ignore */ } unmount = null; }
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === (pages[name] ? name : 'ask'));
  const root = document.getElementById('page');
  root.replaceChildren();
  root.dataset.page = pages[name] ? name : 'ask';
  unmount = (await page.mount(root, info)) || null;
}

async function start() {
  try {
    info = await api('/api/info');
  } catch (e) {
    document.getElementById('page').replaceChildren(el('p', { class: 'error' }, `The studio did not answer: ${e.message}`));
    return;
  }
  setBehaviours(info.behaviours);
  const variants = info.variants.length > 1 ? ` + ${info.variants.length - 1} adapter(s)` : '';
  document.getElementById('model').replaceChildren(el('span', { id: 'model-name' }, `model: ${info.model}${variants}`));
  const banner = document.getElementById('banner');
  if (info.randomModel) {
    banner.hidden = false;
    banner.id = 'banner';
    banner.replaceChildren(el('strong', {}, 'Built-in RANDOM model. '),
      'No --base was given, so a tiny random Qwen3 runs: every part of the studio works, but its “thoughts” are noise. ',
      'Start with ', el('code', {}, 'ltm studio --base ~/models/Qwen3-0.6B'), ' for your model.');
  }
  window.addEventListener('hashchange', show);
  window.addEventListener('pagehide', () => { if (unmount) unmount(); });
  await show();
}

start();
