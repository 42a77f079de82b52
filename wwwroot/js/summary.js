// The list as a whole: the totals line, the buttons that act on every file, the tab's title, and "all done".

import { state } from './state.js';
import { bytes, percent } from './format.js';
import { hasActive, isDone, isFinished, isRunning, isSending } from './items.js';
import { strong } from './card.js';
import { drop } from './card-actions.js';
import { announce } from './announcer.js';

const $ = id => document.getElementById(id);
const empty = $('empty');
const totals = $('totals');
const downloadAllButton = $('download-all');
const clearButton = $('clear-list');

const sizes = done => {
  const before = done.reduce((sum, item) => sum + (item.job.originalSize ?? 0), 0);
  const after = done.reduce((sum, item) => sum + (item.job.optimizedSize ?? 0), 0);
  return { before, after, saved: Math.max(0, before - after) };
};

export function updateSummary() {
  const { items } = state;
  const done = items.filter(isDone);
  const waiting = items.filter(item => isSending(item) || isRunning(item));
  empty.hidden = items.length > 0;
  totals.hidden = items.length === 0;
  const parts = [`${items.length} ${items.length === 1 ? 'file' : 'files'}`, `${done.length} done`];
  if (waiting.length) parts.push(`${waiting.length} in progress`);
  totals.replaceChildren(parts.join(' · '));
  if (done.length) {
    const { before, after, saved } = sizes(done);
    const line = document.createElement('span');
    line.className = 'totals-saved';
    line.append(`${bytes(before)} → ${bytes(after)} · saved `, strong(`${bytes(saved)} (${percent(before ? (saved / before) * 100 : 0)})`));
    totals.append(document.createElement('br'), line);
  }
  downloadAllButton.disabled = done.length === 0;
  clearButton.disabled = !items.some(isFinished);
  document.title = waiting.length ? `(${done.length}/${done.length + waiting.length}) FileOptimizer` : 'FileOptimizer: smaller images';
}

/** A line under the totals, until they are drawn again. */
export function showTotalsNote(text) {
  totals.append(document.createElement('br'), text);
}

/** Once nothing is waiting, uploading or running any more, says so, when more than one file finished in this run. */
export function checkAllDone() {
  if (hasActive() || state.queue.length || state.uploading || state.items.some(isSending)) return;
  const finished = state.finishedInRun;
  state.finishedInRun = 0;
  if (finished < 2) return;
  const done = state.items.filter(isDone);
  announce(`All files are done. ${done.length} optimized, ${bytes(sizes(done).saved)} saved in total.`, true);
}

/** "Clear finished": takes every finished card off the page. */
export function clearList() {
  const finished = state.items.filter(isFinished);
  for (const item of finished) drop(item);
  if (finished.length) announce(`${finished.length} finished ${finished.length === 1 ? 'file' : 'files'} cleared from the list.`);
}
