// What a card's buttons do (Retry, Remove), and taking cards off the page.

import { state } from './state.js';
import { ApiError, deleteJob, processJob, retryJob } from './api.js';
import { settings } from './settings.js';
import { setZoom } from './compare-zoom.js';
import { render } from './card.js';
import { enqueue, pump } from './uploads.js';
import { refresh, update, watch, stopIfIdle } from './live-feed.js';
import { forget } from './history.js';
import { updateSummary } from './summary.js';
import { announce } from './announcer.js';

const filesHeading = document.getElementById('files-heading');

export function showNotice(item, text) {
  item.notice = text;
  render(item);
}

/** A file that was not sent goes into the queue again; a failed or cancelled job is queued again on the server. */
export async function retry(item) {
  if (item.phase === 'error' && item.file) {
    item.autoRetries = 0;
    enqueue(item);
    updateSummary();
    await settings.validate();
    pump();
    return;
  }
  if (item.phase === 'server' && (item.job.status === 'failed' || item.job.status === 'cancelled')) {
    await requeue(item, () => retryJob(item.job.id));
  }
}

/** Queues the job again on the server with <call>, then follows it; a refusal shows on the card. */
async function requeue(item, call) {
  try {
    const job = await call();
    item.notice = null;
    update(item, job, true);
    watch();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.conflict) await refresh(item);
    showNotice(item, error.message);
  }
}

/** The card's suggestion taken: the job is processed again in the suggested format, with its other settings. */
export async function takeSuggestion(item) {
  const format = item.job?.quality?.suggestion?.format;
  if (!format) return;
  // The result changes: the comparison shows the new one when it is opened again.
  item.compareLoaded = false;
  item.fullSizeLoaded = false;
  setZoom(item, 0);
  await requeue(item, () => processJob(item.job.id, { ...item.job.settings, format }));
}

/** Deletes the job on the server (one already gone is fine), then the card. */
export async function remove(item) {
  if (item.removed) return;
  if (item.job && item.phase === 'server') {
    try {
      await deleteJob(item.job.id);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (!error.gone) {
        showNotice(item, `Could not remove it: ${error.message}`);
        return;
      }
    }
  }
  drop(item);
  announce(`${item.name} removed.`);
}

/** Takes a card off the page (the server's job is left alone), moving focus to a neighbour. */
export function drop(item) {
  item.removed = true;
  const queued = state.queue.indexOf(item);
  if (queued >= 0) state.queue.splice(queued, 1);
  if (item.job) {
    forget(item.job.id);
    state.byJob.delete(item.job.id);
  }
  const index = state.items.indexOf(item);
  if (index >= 0) state.items.splice(index, 1);
  const hadFocus = item.ui.li.contains(document.activeElement);
  item.ui.li.remove();
  for (const url of item.urls) URL.revokeObjectURL(url);
  if (hadFocus) {
    const neighbour = state.items[Math.min(index, state.items.length - 1)];
    (neighbour ? neighbour.ui.remove : filesHeading).focus();
  }
  updateSummary();
  stopIfIdle();
}
