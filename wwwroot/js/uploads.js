// Adding files and sending them: a queue, up to the server's batch size per request and two requests at a time;
// a 429 or 503 holds every upload back until the server's Retry-After has passed.

import { state } from './state.js';
import { ApiError, deleteJob, sizeRefusal, upload } from './api.js';
import { seconds } from './format.js';
import { settings } from './settings.js';
import { FINISHED } from './items.js';
import { cardList, createItem, render } from './card.js';
import { refresh, update, watch } from './live-feed.js';
import { remember } from './history.js';
import { updateSummary, checkAllDone } from './summary.js';
import { announce } from './announcer.js';
import { familyOf } from './media.js';

const PARALLEL_UPLOADS = 2;
const BATCH_BYTES = 64 * 1000 * 1000;
/** Times one file is sent again by itself after a 429 or 503, waiting as the server asks. */
const MAX_AUTO_RETRIES = 10;

export function addFiles(files) {
  const added = files.map(file => createItem({ file }));
  if (!added.length) return;
  const first = cardList.firstElementChild;
  for (const item of added) cardList.insertBefore(item.ui.li, first);
  state.items.unshift(...added);
  for (const item of added) enqueue(item);
  announce(added.length === 1 ? `${added[0].name} added.` : `${added.length} files added.`);
  updateSummary();
  settings.validate().then(pump);
}

export function enqueue(item) {
  item.error = null;
  const refusal = sizeRefusal(item.file);
  if (refusal) {
    fail(item, refusal);
    return;
  }
  item.phase = 'pending';
  item.upload = 0;
  state.queue.push(item);
  render(item);
}

/** Starts uploads while there is room: up to the server's batch size per request, two requests at a time. */
export function pump() {
  const { queue } = state;
  if (state.pause.until > Date.now()) {
    for (const item of queue) render(item);
    return;
  }
  const held = queue.filter(item => !settings.isValid(familyOf(item)));
  if (held.length) {
    for (const item of held) {
      queue.splice(queue.indexOf(item), 1);
      item.phase = 'error';
      item.error = new Error(`The settings are not valid (${settings.problemText(familyOf(item))}). Fix them, then retry.`);
      render(item);
    }
    updateSummary();
  }
  while (state.uploading < PARALLEL_UPLOADS && queue.length) {
    const limit = Math.max(1, state.server.maxBatchFiles);
    const batch = [];
    let total = 0;
    while (queue.length && batch.length < limit) {
      const next = queue[0];
      // One request carries one set of settings: images, videos and songs go in requests of their own.
      if (batch.length && (next.single || total + next.file.size > BATCH_BYTES || familyOf(next) !== familyOf(batch[0]))) break;
      batch.push(queue.shift());
      total += next.file.size;
      if (next.single) break;
    }
    state.uploading++;
    send(batch).finally(() => {
      state.uploading--;
      pump();
      checkAllDone();
    });
  }
}

async function send(batch) {
  for (const item of batch) {
    item.phase = 'uploading';
    item.upload = 0;
    render(item);
  }
  const onProgress = shares => batch.forEach((item, index) => {
    const value = Math.round(shares[index] * 100);
    if (value !== item.upload && item.phase === 'uploading') {
      item.upload = value;
      render(item);
    }
  });
  try {
    const results = await upload(batch.map(item => item.file), settings.current(familyOf(batch[0])), onProgress);
    results.forEach((result, index) => (result.job ? accepted(batch[index], result.job) : fail(batch[index], result.error)));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.busy && batch.every(item => item.autoRetries < MAX_AUTO_RETRIES)) {
      for (const item of batch) item.autoRetries++;
      pauseUploads(error, Math.max(...batch.map(item => item.autoRetries)));
      requeue(batch);
      return;
    }
    if (batch.length > 1 && error.tooLarge) {
      for (const item of batch) item.single = true; // the batch as a whole is too large: send these one by one
      requeue(batch);
      return;
    }
    for (const item of batch) fail(item, error);
  }
}

function requeue(batch) {
  for (const item of batch) {
    item.phase = 'pending';
    item.upload = 0;
    render(item);
  }
  state.queue.unshift(...batch.filter(item => !item.removed));
}

function accepted(item, upload) {
  // A reused result is completed in the upload's answer, which lacks the result's facts: shown as processing until the
  // status read below brings them, so it is announced and counted like any job that finishes.
  const reused = FINISHED.has(upload.status);
  const job = {
    id: upload.jobId,
    status: reused ? 'processing' : upload.status,
    progress: reused ? 100 : 0,
    attempts: 0,
    fileName: upload.fileName,
    type: upload.type,
    inputFormat: upload.format,
    width: upload.width,
    height: upload.height,
    frames: upload.frames,
    duration: upload.duration,
    codecs: upload.codecs,
    frameRate: upload.frameRate,
    originalSize: upload.size,
    settings: upload.settings,
    eta: upload.estimatedTime,
    downloadUrl: upload.downloadUrl,
  };
  if (item.removed) {
    deleteJob(job.id).catch(() => {}); // removed while it was being sent
    return;
  }
  item.phase = 'server';
  item.job = job;
  item.name = job.fileName || item.name;
  state.byJob.set(job.id, item);
  remember(job.id);
  render(item);
  updateSummary();
  const early = state.feed.early.get(job.id);
  if (early) {
    state.feed.early.delete(job.id);
    update(item, early); // its events came before the upload's answer
  }
  if (reused) {
    refresh(item);
    return;
  }
  watch(); // its later changes come by the stream, which catches up with every running job when it opens
}

function fail(item, error) {
  if (error.busy && item.file && item.autoRetries < MAX_AUTO_RETRIES) {
    item.autoRetries++;
    pauseUploads(error, item.autoRetries);
    requeue([item]);
    return;
  }
  item.phase = 'error';
  item.error = error;
  announce(`${item.name}: ${error.message}`);
  render(item);
  updateSummary();
}

/** Holds every upload back for the server's Retry-After; the waiting files say why and when they go. */
function pauseUploads(error, attempt = 1) {
  const wait = Math.max(1, error.retryAfter ?? Math.min(60, 5 * 2 ** (attempt - 1)));
  const until = Date.now() + wait * 1000;
  const { pause } = state;
  if (until <= pause.until) return;
  pause.until = until;
  const when = wait < 90 ? `in ${seconds(wait)}` : `at ${new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
  pause.note = `${error.busyReason} Sending ${when}.`;
  announce(pause.note);
  clearTimeout(pause.timer);
  pause.timer = setTimeout(() => {
    pause.until = 0;
    pause.note = null;
    for (const item of state.queue) render(item);
    pump();
  }, wait * 1000);
}
