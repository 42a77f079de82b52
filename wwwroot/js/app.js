// FileOptimizer's page: add images (drop, picker, folder, paste), upload them in batches, follow each job live,
// compare and download the results, one by one or all as a ZIP. Plain JavaScript modules, no build step.

import { api, ApiError, server, describeError, readEvents } from './api.js';
import { bytes, percent, formatName, dimensions, seconds, duration } from './format.js';
import { SettingsPanel } from './settings.js';

const HISTORY = 'fileoptimizer.jobs';
const MAX_HISTORY = 500;
const PARALLEL_UPLOADS = 2;
const BATCH_BYTES = 64 * 1000 * 1000;
/** Times one file is sent again by itself after a 429 or 503, waiting as the server asks. */
const MAX_AUTO_RETRIES = 10;
const FINISHED = new Set(['completed', 'failed', 'cancelled']);
const RANK = { waiting: 0, queued: 1, processing: 2, paused: 2, completed: 3, failed: 3, cancelled: 3 };
const BROWSER_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/svg+xml', 'image/bmp']);
const IMAGE_NAME = /\.(jpe?g|jfif|png|webp|gif|tiff?|heic|heif|avif|svg)$/i;
const ARCHIVE_URL_LIMIT = 4000;
/** A running job not heard of for this long is asked for its status. */
const QUIET_MS = 8000;
/** Upload answers that sending the same file again cannot change: too large, not an image, unreadable, gone. */
const PERMANENT = new Set([404, 413, 415, 422]);

const $ = id => document.getElementById(id);
const ui = {
  drop: $('drop-zone'),
  fileInput: $('file-input'),
  folderInput: $('folder-input'),
  cards: $('cards'),
  template: $('card-template'),
  empty: $('empty'),
  totals: $('totals'),
  downloadAll: $('download-all'),
  clear: $('clear-list'),
  announcer: $('announcer'),
  limitHint: $('limit-hint'),
  formatsHint: $('formats-hint'),
  settingsPanel: $('settings-panel'),
  keyField: $('api-key-field'),
  keyInput: $('api-key'),
  keyRemember: $('api-key-remember'),
  keyStatus: $('api-key-status'),
  filesHeading: $('files-heading'),
};

const settings = new SettingsPanel();
/** Every file on the page, newest first: the same order as the cards. */
const items = [];
const byJob = new Map();
const queue = [];
let nextKey = 1;
let uploading = 0;
let batchSupported = true;
let historyLoaded = false;
let infoLoaded = false;
let listSupported = true;
let uploadsPausedUntil = 0;
let pauseNote = null;
let pauseTimer = 0;
/** Files completed since the last "all done" message. */
let finishedInRun = 0;

// ---------------------------------------------------------------- adding files

function addFiles(files) {
  const added = files.map(file => createItem({ file }));
  if (!added.length) return;
  const first = ui.cards.firstElementChild;
  for (const item of added) ui.cards.insertBefore(item.ui.li, first);
  items.unshift(...added);
  for (const item of added) enqueue(item);
  announce(added.length === 1 ? `${added[0].name} added.` : `${added.length} files added.`);
  updateSummary();
  settings.validate().then(pump);
}

function enqueue(item) {
  clearTimeout(item.retryTimer);
  item.error = null;
  item.errorStatus = null;
  if (server.maxFileSize && item.file.size > server.maxFileSize) {
    fail(item, new ApiError(413, null));
    return;
  }
  item.phase = 'pending';
  item.upload = 0;
  queue.push(item);
  render(item);
}

/** Starts uploads while there is room: up to the server's batch size per request, two requests at a time. */
function pump() {
  if (uploadsPausedUntil > Date.now()) {
    for (const item of queue) render(item);
    return;
  }
  if (queue.length && !settings.isValid()) {
    const reason = `The settings are not valid (${settings.problemText()}). Fix them, then retry.`;
    for (const item of queue.splice(0)) {
      item.phase = 'error';
      item.error = reason;
      item.errorStatus = 400;
      render(item);
    }
    updateSummary();
    return;
  }
  while (uploading < PARALLEL_UPLOADS && queue.length) {
    const limit = batchSupported ? Math.max(1, server.maxBatchFiles) : 1;
    const batch = [];
    let total = 0;
    while (queue.length && batch.length < limit) {
      const next = queue[0];
      if (batch.length && (next.single || total + next.file.size > BATCH_BYTES)) break;
      batch.push(queue.shift());
      total += next.file.size;
      if (next.single) break;
    }
    uploading++;
    send(batch).finally(() => {
      uploading--;
      pump();
      checkAllDone();
    });
  }
}

async function send(batch) {
  const single = batch.length === 1;
  const form = new FormData();
  form.append('settings', JSON.stringify(settings.current()));
  form.append('autoProcess', 'true');
  const offsets = [];
  let sum = 0;
  for (const item of batch) {
    offsets.push(sum);
    sum += item.file.size;
    form.append(single ? 'file' : 'files', item.file, item.file.name);
    item.phase = 'uploading';
    item.upload = 0;
    render(item);
  }
  const onProgress = (loaded, total) => {
    const payload = loaded * (sum / Math.max(total, 1));
    batch.forEach((item, index) => {
      const share = item.file.size ? (payload - offsets[index]) / item.file.size : 1;
      const value = Math.round(Math.min(1, Math.max(0, share)) * 100);
      if (value !== item.upload && item.phase === 'uploading') {
        item.upload = value;
        render(item);
      }
    });
  };
  try {
    const { data } = await api.upload(single ? '/api/upload' : '/api/upload/batch', form, onProgress);
    if (single) {
      accepted(batch[0], data);
      return;
    }
    for (const [item, result] of matchResults(batch, Array.isArray(data?.results) ? data.results : [])) {
      if (result?.job) accepted(item, result.job);
      else fail(item, new ApiError(result?.problem?.status ?? 0, result?.problem ?? null));
    }
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (!single && (error.status === 404 || error.status === 405)) {
      batchSupported = false; // an older server without /api/upload/batch: one file per request
      requeue(batch);
      return;
    }
    if ((error.status === 429 || error.status === 503) && batch.every(item => item.autoRetries < MAX_AUTO_RETRIES)) {
      for (const item of batch) item.autoRetries++;
      pauseUploads(error, Math.max(...batch.map(item => item.autoRetries)));
      requeue(batch);
      return;
    }
    if (!single && error.status === 413) {
      for (const item of batch) item.single = true; // the batch as a whole is too large: send these one by one
      requeue(batch);
      return;
    }
    for (const item of batch) fail(item, error);
  }
}

/**
 * Pairs a batch's files with its results. The server answers the files it read in order, then the ones it skipped
 * as too large (413) at the end; those are found by name, else by size.
 */
function matchResults(batch, results) {
  const rest = [...batch];
  const pairs = [];
  const oversized = results.filter(result => !result.job && result.problem?.status === 413);
  for (const result of oversized) {
    let index = rest.findIndex(item => item.file.name === result.fileName);
    if (index < 0) index = rest.findIndex(item => server.maxFileSize && item.file.size > server.maxFileSize);
    if (index < 0) index = rest.reduce((largest, item, i) => (largest < 0 || item.file.size > rest[largest].file.size ? i : largest), -1);
    if (index >= 0) pairs.push([rest.splice(index, 1)[0], result]);
  }
  const inOrder = results.filter(result => !oversized.includes(result));
  rest.forEach((item, index) => pairs.push([item, inOrder[index] ?? null]));
  return pairs;
}

function requeue(batch) {
  for (const item of batch) {
    item.phase = 'pending';
    item.upload = 0;
    render(item);
  }
  queue.unshift(...batch.filter(item => !item.removed));
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
    inputFormat: upload.format,
    width: upload.width,
    height: upload.height,
    frames: upload.frames,
    originalSize: upload.size,
    settings: upload.settings,
    eta: upload.estimatedTime,
    statusUrl: upload.statusUrl,
    eventsUrl: upload.eventsUrl,
    downloadUrl: upload.downloadUrl,
  };
  if (item.removed) {
    api.delete(`/api/status/${job.id}`).catch(() => {});
    return;
  }
  item.phase = 'server';
  item.job = job;
  item.name = job.fileName || item.name;
  byJob.set(job.id, item);
  remember(job.id);
  render(item);
  updateSummary();
  const early = feed.early.get(job.id);
  if (early) {
    feed.early.delete(job.id);
    update(item, early); // its events came before the upload's answer
  }
  if (reused) {
    refresh(item);
    return;
  }
  feed.watch(); // its later changes come by the stream (or the poll), which catches up with every running job when it opens
}

function fail(item, error) {
  if ((error.status === 429 || error.status === 503) && item.file && item.autoRetries < MAX_AUTO_RETRIES) {
    item.autoRetries++;
    pauseUploads(error, item.autoRetries);
    requeue([item]);
    return;
  }
  item.phase = 'error';
  item.errorStatus = error.status;
  item.error = describeError(error);
  announce(`${item.name}: ${item.error}`);
  render(item);
  updateSummary();
}

/**
 * A 429 (rate limit) or 503 (queue full) holds every upload back until the server's Retry-After has passed;
 * the waiting files say why and when they go, and nothing is sent meanwhile that would only be refused.
 */
function pauseUploads(error, attempt = 1) {
  const wait = Math.max(1, error.retryAfter ?? Math.min(60, 5 * 2 ** (attempt - 1)));
  const until = Date.now() + wait * 1000;
  if (until <= uploadsPausedUntil) return;
  uploadsPausedUntil = until;
  const when = wait < 90 ? `in ${seconds(wait)}` : `at ${new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
  const policy = error.problem?.policy;
  pauseNote = error.status === 503
    ? `The server is busy (its queue is full). Sending ${when}.`
    : policy === 'upload'
      ? `The server takes only so many uploads from one computer in a while. Sending ${when}.`
      : `The server has had too many requests from this computer. Sending ${when}.`;
  announce(pauseNote);
  clearTimeout(pauseTimer);
  pauseTimer = setTimeout(() => {
    uploadsPausedUntil = 0;
    pauseNote = null;
    for (const item of queue) render(item);
    pump();
  }, wait * 1000);
}

// ---------------------------------------------------------------- following jobs

/** Server-sent events of all jobs, read with fetch so the API key can go along; polling when the server has no stream. */
const feed = {
  controller: null,
  polling: false,
  pollTimer: 0,
  retryTimer: 0,
  watchdog: 0,
  failures: 0,
  /** True while the stream is connected. */
  open: false,
  /** Events of jobs whose upload answer has not arrived yet, applied when it does. */
  early: new Map(),
  lastEventId: null,

  watch() {
    if (!hasActive()) {
      this.stop();
      return;
    }
    if (this.polling) this.poll(1000);
    else if (!this.controller && !this.retryTimer) this.connect();
    if (!this.polling && !this.watchdog) {
      // A stream can lose an event (a proxy, a server under load): a job that has been quiet for a while is asked directly.
      this.watchdog = setInterval(() => {
        const quiet = Date.now() - QUIET_MS;
        const due = items.filter(item => item.phase === 'server' && !FINISHED.has(item.job.status) && item.seen < quiet).slice(0, 4);
        for (const item of due) {
          item.seen = Date.now();
          refresh(item);
        }
      }, QUIET_MS / 2);
    }
  },

  async connect() {
    const controller = new AbortController();
    this.controller = controller;
    try {
      await readEvents('/api/events', {
        lastEventId: this.lastEventId,
        signal: controller.signal,
        onOpen: () => {
          this.failures = 0;
          this.open = true;
          syncActive(); // what changed before the stream opened
        },
        onEvent: event => {
          if (event.id) this.lastEventId = event.id;
          let job;
          try { job = JSON.parse(event.data); } catch { return; }
          if (!job?.id) return;
          const item = byJob.get(job.id);
          if (item) update(item, job);
          else if (uploading) {
            this.early.set(job.id, job);
            if (this.early.size > 200) this.early.delete(this.early.keys().next().value);
          }
        },
      });
    } catch (error) {
      if (this.controller === controller) this.open = false;
      if (error?.name === 'AbortError' || this.controller !== controller) return;
      if (error.status === 404 || error.status === 405) {
        this.controller = null;
        this.polling = true; // an older server without /api/events
        this.poll(0);
        return;
      }
      if (error.status === 401) {
        this.controller = null; // wait for a key
        return;
      }
      this.failures++;
      if (error.retryAfter) this.failures = Math.max(this.failures, Math.ceil(Math.log2(error.retryAfter * 2)));
    }
    if (this.controller !== controller) return;
    this.controller = null;
    this.open = false;
    if (hasActive()) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = 0;
        this.watch();
      }, Math.min(60000, 500 * 2 ** this.failures));
    }
  },

  poll(delay) {
    if (this.pollTimer) return;
    this.pollTimer = setTimeout(async () => {
      await syncActive();
      this.pollTimer = 0;
      if (hasActive()) this.poll(1500);
    }, delay);
  },

  stop() {
    this.controller?.abort();
    this.controller = null;
    this.open = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    clearInterval(this.watchdog);
    this.watchdog = 0;
  },
};

function hasActive() {
  return items.some(item => item.phase === 'server' && !FINISHED.has(item.job.status));
}

/** Brings every running job up to date: one status-list request for many, single requests for a few or the rest. */
async function syncActive() {
  let active = items.filter(item => item.phase === 'server' && !FINISHED.has(item.job.status));
  if (active.length > 2 && listSupported) {
    try {
      const { data } = await api.get('/api/status?page=1&limit=100');
      const latest = new Map((data?.items ?? []).map(job => [job.id, job]));
      for (const item of active) if (latest.has(item.job.id)) update(item, latest.get(item.job.id));
      active = active.filter(item => !latest.has(item.job.id)); // older than the newest hundred
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 404 || error.status === 405) listSupported = false;
      else return; // asked again by the next poll or the watchdog
    }
  }
  for (let i = 0; i < active.length; i += 4) await Promise.all(active.slice(i, i + 4).map(refresh));
}

async function refresh(item) {
  if (!item.job) return;
  try {
    const { data } = await api.get(`/api/status/${item.job.id}`);
    update(item, data);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && !item.removed) {
      forget(item.job.id);
      item.phase = 'error';
      item.errorStatus = 404;
      item.error = describeError(error);
      render(item);
      updateSummary();
    }
  }
}

/** True when a snapshot is older than the one shown (events and status answers may cross). */
function isOlder(next, current) {
  const attempts = (next.attempts ?? 0) - (current.attempts ?? 0);
  if (attempts) return attempts < 0;
  const rank = (RANK[next.status] ?? 0) - (RANK[current.status] ?? 0);
  if (rank) return rank < 0;
  return !FINISHED.has(next.status) && (next.progress ?? 0) < (current.progress ?? 0);
}

function update(item, job, force = false) {
  if (item.removed || !job?.id) return;
  item.seen = Date.now();
  const before = item.job;
  if (!force && item.phase === 'server' && before && isOlder(job, before)) return;
  item.job = { ...before, ...job };
  item.phase = 'server';
  item.name = item.job.fileName || item.name;
  item.notice = null;
  render(item);
  const was = before?.status;
  const now = item.job.status;
  if (now !== was && now === 'completed') announce(`${item.name} is done: ${outcomeText(item.job, true)}`);
  if (now !== was && now === 'failed') announce(`${item.name} failed: ${item.job.error?.message ?? 'processing failed.'}`);
  if (now !== was && now === 'completed') finishedInRun++;
  checkAllDone();
  updateSummary();
  if (!hasActive()) feed.stop();
}

// ---------------------------------------------------------------- history

function history() {
  try {
    const ids = JSON.parse(localStorage.getItem(HISTORY) ?? '[]');
    return Array.isArray(ids) ? ids.filter(id => typeof id === 'string' && /^[0-9a-f]{32}$/.test(id)) : [];
  } catch {
    return [];
  }
}

function remember(id) {
  localStorage.setItem(HISTORY, JSON.stringify([id, ...history().filter(other => other !== id)].slice(0, MAX_HISTORY)));
}

function forget(id) {
  localStorage.setItem(HISTORY, JSON.stringify(history().filter(other => other !== id)));
}

/** Brings back this browser's jobs after a reload: the ids are kept here, their state comes from the status list. */
async function restoreHistory() {
  const ids = history();
  if (!ids.length) {
    historyLoaded = true;
    return;
  }
  const wanted = new Set(ids);
  const found = new Map();
  let listedAll = false;
  try {
    for (let page = 1; page <= 20 && found.size < wanted.size; page++) {
      const { data } = await api.get(`/api/status?page=${page}&limit=100`);
      for (const job of data?.items ?? []) if (wanted.has(job.id)) found.set(job.id, job);
      if (page >= (data?.pages ?? 1)) {
        listedAll = true;
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return; // asked again once a key is given
  }
  for (const id of ids) {
    if (found.has(id)) continue;
    if (listedAll) {
      forget(id); // no longer on the server: its retention ended
      continue;
    }
    try {
      found.set(id, (await api.get(`/api/status/${id}`)).data);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) forget(id);
      else if (error instanceof ApiError && error.status === 401) return;
    }
  }
  const jobs = [...found.values()].filter(job => !byJob.has(job.id)).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  for (const job of jobs) {
    const item = createItem({ job });
    items.push(item);
    byJob.set(job.id, item);
    ui.cards.append(item.ui.li);
    render(item);
  }
  historyLoaded = true;
  updateSummary();
  feed.watch();
}

// ---------------------------------------------------------------- cards

function createItem({ file = null, job = null }) {
  const item = {
    key: nextKey++,
    file,
    job,
    name: job?.fileName ?? file?.name ?? 'image',
    phase: job ? 'server' : 'pending',
    upload: 0,
    error: null,
    errorStatus: null,
    notice: null,
    autoRetries: 0,
    retryTimer: 0,
    removed: false,
    urls: [],
    thumbShown: false,
    compareLoaded: false,
    seen: Date.now(),
  };
  if (file && BROWSER_IMAGES.has(file.type)) item.localUrl = track(item, URL.createObjectURL(file));
  buildCard(item);
  return item;
}

function track(item, url) {
  item.urls.push(url);
  return url;
}

function buildCard(item) {
  const li = ui.template.content.firstElementChild.cloneNode(true);
  const find = selector => li.querySelector(selector);
  const id = `file-${item.key}`;
  item.ui = {
    li,
    thumb: find('.thumb img'),
    thumbLabel: find('.thumb-label'),
    name: find('.name'),
    badge: find('.badge'),
    meta: find('.meta'),
    progress: find('.progress'),
    bar: find('.progress-bar'),
    progressText: find('.progress-text'),
    state: find('.state'),
    result: find('.result'),
    outcome: find('.outcome'),
    error: find('.error'),
    compareToggle: find('.compare-toggle'),
    download: find('.download'),
    retry: find('.retry'),
    remove: find('.remove'),
    compare: find('.compare'),
    before: find('.compare-before'),
    after: find('.compare-after'),
    divider: find('.compare-divider'),
    range: find('.compare-range'),
    view: find('.compare-view'),
  };
  li.dataset.key = item.key;
  item.ui.name.id = `${id}-name`;
  item.ui.progress.setAttribute('aria-labelledby', `${id}-name`);
  item.ui.compare.id = `${id}-compare`;
  item.ui.compareToggle.setAttribute('aria-controls', `${id}-compare`);
  item.ui.compareToggle.addEventListener('click', () => toggleCompare(item));
  item.ui.retry.addEventListener('click', () => retry(item));
  item.ui.remove.addEventListener('click', () => remove(item));
  item.ui.download.addEventListener('click', event => {
    if (!api.key) return; // a plain link: the browser streams the file to disk
    event.preventDefault();
    saveFromApi(item.ui.download.href, null).catch(error => showNotice(item, describeError(error)));
  });
  item.ui.range.addEventListener('input', () => setSplit(item, Number(item.ui.range.value)));
  setSplit(item, 50);
}

function render(item) {
  const { ui: card, job } = item;
  const state = item.phase === 'server' ? job.status : item.phase;
  card.li.dataset.state = state;
  card.name.textContent = item.name;
  card.name.title = item.name;
  card.remove.setAttribute('aria-label', `Remove ${item.name}`);
  card.retry.setAttribute('aria-label', `Retry ${item.name}`);
  card.download.setAttribute('aria-label', `Download ${item.name}`);
  card.compareToggle.setAttribute('aria-label', `${card.compare.hidden ? 'Compare' : 'Hide comparison of'} ${item.name}`);

  const original = job?.originalSize ?? item.file?.size;
  const meta = [bytes(original)];
  if (job?.inputFormat) meta.push(formatName(job.inputFormat));
  if (job?.width) meta.push(dimensions(job.width, job.height));
  if (job?.frames > 1) meta.push(`${job.frames} frames`);
  card.meta.textContent = meta.filter(Boolean).join(' · ');

  let progress = 0;
  let text = '';
  switch (state) {
    case 'pending': text = pauseNote ? 'Waiting' : 'Waiting to upload'; break;
    case 'uploading': progress = item.upload; text = 'Uploading'; break;
    case 'error': text = item.errorStatus === 404 ? 'Gone' : 'Not optimized'; break;
    case 'waiting': text = 'Waiting to start'; break;
    case 'queued': text = job.eta ? `In the queue · about ${seconds(job.eta)}` : 'In the queue'; break;
    case 'processing':
      progress = job.progress ?? 0;
      text = job.eta ? `Optimizing · about ${seconds(job.eta)} left` : 'Optimizing';
      break;
    case 'paused': progress = job.progress ?? 0; text = 'Paused'; break;
    case 'completed': progress = 100; text = job.processingTime != null ? `Done in ${duration(job.processingTime)}` : 'Done'; break;
    case 'failed': text = 'Failed'; break;
    case 'cancelled': text = 'Cancelled'; break;
    default: text = state;
  }
  progress = Math.max(0, Math.min(100, Math.round(progress)));
  card.bar.style.width = `${progress}%`;
  card.progress.setAttribute('aria-valuenow', String(progress));
  card.progress.setAttribute('aria-valuetext', `${text}, ${progress} %`);
  card.progressText.textContent = `${progress} %`;
  card.state.textContent = text;

  const completed = state === 'completed';
  card.result.hidden = !completed;
  card.outcome.hidden = !completed;
  card.badge.hidden = !completed;
  if (completed) {
    card.result.replaceChildren(
      strong(bytes(job.optimizedSize)),
      ` · ${formatName(job.outputFormat)}`,
      job.outputWidth ? ` · ${dimensions(job.outputWidth, job.outputHeight)}` : '',
    );
    card.outcome.textContent = job.cached ? `${outcomeText(job)} Reused an earlier result.` : outcomeText(job);
    const kept = job.outcome === 'kept-original';
    card.badge.textContent = kept ? 'Kept' : `−${percent(job.ratio ?? 0)}`;
    card.badge.title = kept ? 'Already optimal: the original was kept' : `${percent(job.ratio ?? 0)} smaller`;
    card.badge.dataset.kind = kept ? 'kept' : 'saved';
    card.download.href = job.downloadUrl || `/api/download/${job.id}`;
  }

  let error = item.notice;
  if (state === 'pending' && pauseNote) error = pauseNote;
  if (state === 'error') error = item.error;
  else if (state === 'failed') error = job.error?.message || 'Processing failed.';
  else if (state === 'cancelled') error = 'The job was cancelled.';
  card.error.textContent = error ?? '';
  card.error.hidden = !error;
  card.error.classList.toggle('note', state === 'pending');

  card.download.hidden = !completed;
  card.compareToggle.hidden = !completed;
  if (!completed && !card.compare.hidden) toggleCompare(item);
  card.retry.hidden = !(state === 'failed' || state === 'cancelled' || (state === 'error' && item.file && !PERMANENT.has(item.errorStatus)));

  if (!item.thumbShown) showThumb(item);
}

function strong(text) {
  const element = document.createElement('strong');
  element.textContent = text;
  return element;
}

function outcomeText(job, spoken = false) {
  if (job.outcome === 'kept-original') return spoken ? 'already optimal, the original was kept.' : 'Already optimal: kept the original.';
  const saved = (job.originalSize ?? 0) - (job.optimizedSize ?? 0);
  if (saved <= 0) return spoken ? 'optimized.' : 'Optimized.';
  return spoken ? `${percent(job.ratio ?? 0)} smaller, ${bytes(saved)} saved.` : `Optimized: ${percent(job.ratio ?? 0)} smaller, ${bytes(saved)} saved.`;
}

function preview(item, of, size) {
  return item.job ? `/api/download/${item.job.id}/preview?size=${size}&of=${of}` : null;
}

function showThumb(item) {
  const card = item.ui;
  card.thumbLabel.textContent = formatName(item.job?.inputFormat) || (item.name.split('.').pop() ?? '').toUpperCase().slice(0, 4);
  if (item.localUrl) {
    item.thumbShown = true;
    loadImage(item, card.thumb, [item.localUrl]).then(shown => card.li.classList.toggle('has-thumb', shown));
  } else if (item.job) {
    item.thumbShown = true;
    card.thumb.loading = 'lazy';
    const show = () => loadImage(item, card.thumb, [preview(item, 'original', 256)]).then(shown => {
      card.li.classList.toggle('has-thumb', shown);
      return shown;
    });
    // A preview refused for a while (the server's download rate limit) is asked again later, twice at most.
    const retry = (delay, left) => show().then(shown => {
      if (!shown && left > 0) setTimeout(() => { if (!item.removed) retry(delay * 2, left - 1); }, delay);
    });
    retry(30_000, 2);
  }
}

/** Shows the first of the addresses that loads; with an API key the image is fetched (an <img> cannot send the header). */
async function loadImage(item, img, urls) {
  for (const url of urls) {
    if (!url) continue;
    let source = url;
    if (api.key && !url.startsWith('blob:')) {
      try {
        const response = await fetch(url, { headers: api.headers({ Accept: 'image/*' }) });
        if (!response.ok) continue;
        source = track(item, URL.createObjectURL(await response.blob()));
      } catch {
        continue;
      }
    }
    const shown = await new Promise(resolve => {
      img.onload = () => resolve(true);
      img.onerror = () => resolve(false);
      img.src = source;
    });
    if (shown) return true;
  }
  img.removeAttribute('src');
  return false;
}

function toggleCompare(item) {
  const card = item.ui;
  const open = card.compare.hidden;
  card.compare.hidden = !open;
  card.compareToggle.setAttribute('aria-expanded', String(open));
  card.compareToggle.textContent = open ? 'Hide comparison' : 'Compare';
  card.compareToggle.setAttribute('aria-label', `${open ? 'Hide comparison of' : 'Compare'} ${item.name}`);
  if (!open || item.compareLoaded) return;
  item.compareLoaded = true;
  const job = item.job;
  const width = job.outputWidth || job.width;
  const height = job.outputHeight || job.height;
  if (width && height) card.view.style.aspectRatio = `${width} / ${height}`;
  card.view.classList.add('loading');
  Promise.all([
    loadImage(item, card.before, [preview(item, 'original', 1024), item.localUrl, preview(item, 'original', 256)]),
    loadImage(item, card.after, [preview(item, 'result', 1024), preview(item, 'result', 256), job.downloadUrl]),
  ]).then(([before, after]) => {
    card.view.classList.remove('loading');
    if (!before || !after) showNotice(item, 'The comparison could not be shown: a preview did not load.');
  });
}

function setSplit(item, value) {
  item.ui.after.style.clipPath = `inset(0 0 0 ${value}%)`;
  item.ui.divider.style.left = `${value}%`;
  item.ui.range.setAttribute('aria-valuetext', `${Math.round(value)} % original, ${Math.round(100 - value)} % optimized`);
}

function showNotice(item, text) {
  item.notice = text;
  render(item);
}

async function retry(item) {
  clearTimeout(item.retryTimer);
  if (item.phase === 'error' && item.file) {
    item.autoRetries = 0;
    enqueue(item);
    updateSummary();
    await settings.validate();
    pump();
    return;
  }
  if (item.phase === 'server' && (item.job.status === 'failed' || item.job.status === 'cancelled')) {
    try {
      const { data } = await api.post(`/api/status/${item.job.id}/retry`);
      item.notice = null;
      update(item, data, true);
      feed.watch();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) await refresh(item);
      showNotice(item, describeError(error));
    }
  }
}

async function remove(item) {
  if (item.removed) return;
  if (item.job && item.phase === 'server') {
    try {
      await api.delete(`/api/status/${item.job.id}`);
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 405)) {
        showNotice(item, `Could not remove it: ${describeError(error)}`);
        return;
      }
    }
  }
  drop(item);
  announce(`${item.name} removed.`);
}

/** Takes a card off the page (the server's job is left alone), moving focus to a neighbour. */
function drop(item) {
  item.removed = true;
  clearTimeout(item.retryTimer);
  const queued = queue.indexOf(item);
  if (queued >= 0) queue.splice(queued, 1);
  if (item.job) {
    forget(item.job.id);
    byJob.delete(item.job.id);
  }
  const index = items.indexOf(item);
  if (index >= 0) items.splice(index, 1);
  const hadFocus = item.ui.li.contains(document.activeElement);
  item.ui.li.remove();
  for (const url of item.urls) URL.revokeObjectURL(url);
  if (hadFocus) {
    const neighbour = items[Math.min(index, items.length - 1)];
    (neighbour ? neighbour.ui.remove : ui.filesHeading).focus();
  }
  updateSummary();
  if (!hasActive()) feed.stop();
}

// ---------------------------------------------------------------- all files

function updateSummary() {
  const done = items.filter(item => item.phase === 'server' && item.job.status === 'completed');
  const waiting = items.filter(item => item.phase === 'pending' || item.phase === 'uploading' || (item.phase === 'server' && !FINISHED.has(item.job.status)));
  ui.empty.hidden = items.length > 0;
  ui.totals.hidden = items.length === 0;
  const parts = [`${items.length} ${items.length === 1 ? 'file' : 'files'}`, `${done.length} done`];
  if (waiting.length) parts.push(`${waiting.length} in progress`);
  ui.totals.replaceChildren(parts.join(' · '));
  if (done.length) {
    const before = done.reduce((sum, item) => sum + (item.job.originalSize ?? 0), 0);
    const after = done.reduce((sum, item) => sum + (item.job.optimizedSize ?? 0), 0);
    const saved = Math.max(0, before - after);
    const line = document.createElement('span');
    line.className = 'totals-saved';
    line.append(`${bytes(before)} → ${bytes(after)} · saved `, strong(`${bytes(saved)} (${percent(before ? (saved / before) * 100 : 0)})`));
    ui.totals.append(document.createElement('br'), line);
  }
  ui.downloadAll.disabled = done.length === 0;
    ui.clear.disabled = !items.some(isFinished);
  document.title = waiting.length ? `(${done.length}/${done.length + waiting.length}) FileOptimizer` : 'FileOptimizer: smaller images';
}

function isFinished(item) {
  return item.phase === 'error' || (item.phase === 'server' && FINISHED.has(item.job.status));
}

/** Once nothing is waiting, uploading or running any more, says so, when more than one file finished in this run. */
function checkAllDone() {
  if (hasActive() || queue.length || uploading || items.some(item => item.phase === 'pending' || item.phase === 'uploading')) return;
  const finished = finishedInRun;
  finishedInRun = 0;
  if (finished < 2) return;
  const done = items.filter(item => item.phase === 'server' && item.job.status === 'completed');
  const before = done.reduce((sum, item) => sum + (item.job.originalSize ?? 0), 0);
  const after = done.reduce((sum, item) => sum + (item.job.optimizedSize ?? 0), 0);
  announce(`All files are done. ${done.length} optimized, ${bytes(Math.max(0, before - after))} saved in total.`, true);
}

async function downloadAll() {
  const ids = items.filter(item => item.phase === 'server' && item.job.status === 'completed').map(item => item.job.id);
  if (!ids.length) return;
  const url = `/api/download/archive?ids=${ids.join(',')}`;
  try {
    if (!api.key && url.length <= ARCHIVE_URL_LIMIT) {
      clickDownload(url, ''); // streamed straight to disk by the browser
    } else {
      await saveFromApi('/api/download/archive', { jobIds: ids });
    }
  } catch (error) {
    announce(`The ZIP could not be made: ${describeError(error)}`);
    ui.totals.append(document.createElement('br'), `The ZIP could not be made: ${describeError(error)}`);
  }
}

/** For a server that wants a key: fetch with the header, then hand the file to the browser. */
async function saveFromApi(url, json) {
  const response = await fetch(url, {
    method: json ? 'POST' : 'GET',
    headers: api.headers(json ? { 'Content-Type': 'application/json', Accept: '*/*' } : { Accept: '*/*' }),
    body: json ? JSON.stringify(json) : undefined,
  });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { problem = null; }
    if (response.status === 401) api.onUnauthorized();
    throw new ApiError(response.status, problem);
  }
  const name = fileNameOf(response.headers.get('Content-Disposition')) ?? 'download';
  const blobUrl = URL.createObjectURL(await response.blob());
  clickDownload(blobUrl, name);
  setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
}

function clickDownload(href, name) {
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}

function fileNameOf(disposition) {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try { return decodeURIComponent(star[1].trim()); } catch { /* fall through */ }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1].trim() : null;
}

function clearList() {
  const finished = items.filter(isFinished);
  for (const item of finished) drop(item);
  if (finished.length) announce(`${finished.length} finished ${finished.length === 1 ? 'file' : 'files'} cleared from the list.`);
}

// ---------------------------------------------------------------- announcements

const announcements = [];
let announceTimer = 0;

/** Screen-reader messages, gathered for a moment so that a batch finishing at once is one message, not fifty. */
function announce(text, summary = false) {
  announcements.push({ text, summary });
  if (!announceTimer) announceTimer = setTimeout(flushAnnouncements, 700);
}

/** Up to three messages are read in full; beyond that, two and a count. A summary ("All files are done") is always read. */
function flushAnnouncements() {
  announceTimer = 0;
  const queued = announcements.splice(0);
  const texts = queued.filter(message => !message.summary).map(message => message.text);
  const summaries = queued.filter(message => message.summary).map(message => message.text);
  if (!texts.length && !summaries.length) return;
  const updates = texts.length > 3 ? [...texts.slice(0, 2), `And ${texts.length - 2} more updates.`] : texts;
  ui.announcer.textContent = [...updates, ...summaries].join(' ');
}

// ---------------------------------------------------------------- drop, pick, paste

function hasFiles(event) {
  return [...(event.dataTransfer?.types ?? [])].includes('Files');
}

let dragDepth = 0;
window.addEventListener('dragenter', event => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth++;
  ui.drop.classList.add('dragging');
});
window.addEventListener('dragover', event => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = 'copy';
});
window.addEventListener('dragleave', event => {
  if (!hasFiles(event)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) ui.drop.classList.remove('dragging');
});
window.addEventListener('drop', event => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth = 0;
  ui.drop.classList.remove('dragging');
  // Entries must be taken while the event lasts; folders are read afterwards.
  const dataTransfer = event.dataTransfer;
  const entries = [...dataTransfer.items ?? []].filter(entry => entry.kind === 'file').map(entry => entry.webkitGetAsEntry?.() ?? null);
  const files = [...dataTransfer.files];
  if (entries.some(entry => entry?.isDirectory)) {
    readEntries(entries.filter(Boolean)).then(addFiles);
  } else {
    addFiles(files);
  }
});

async function readEntries(entries) {
  const files = [];
  const walk = async (entry, inFolder, depth) => {
    if (entry.isFile) {
      const file = await new Promise(resolve => entry.file(resolve, () => resolve(null)));
      if (file && (!inFolder || looksLikeImage(file))) files.push(file);
    } else if (entry.isDirectory && depth < 16) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise(resolve => reader.readEntries(resolve, () => resolve([])));
        if (!batch.length) break;
        for (const child of batch) await walk(child, true, depth + 1);
      }
    }
  };
  for (const entry of entries) await walk(entry, false, 0);
  if (!files.length) announce('The folder holds no images.');
  return files;
}

/** Files found in a folder: images only, hidden files (.DS_Store and the like) skipped. */
function looksLikeImage(file) {
  return !file.name.startsWith('.') && (file.type.startsWith('image/') || IMAGE_NAME.test(file.name));
}

$('choose-files').addEventListener('click', () => ui.fileInput.click());
$('choose-folder').addEventListener('click', () => ui.folderInput.click());
ui.fileInput.addEventListener('change', () => {
  addFiles([...ui.fileInput.files]);
  ui.fileInput.value = '';
});
ui.folderInput.addEventListener('change', () => {
  const files = [...ui.folderInput.files].filter(looksLikeImage);
  if (!files.length) announce('The folder holds no images.');
  addFiles(files);
  ui.folderInput.value = '';
});

let pasted = 0;
document.addEventListener('paste', event => {
  const files = [...(event.clipboardData?.files ?? [])];
  if (!files.length) return; // text goes into the field as usual
  event.preventDefault();
  addFiles(files.map(file => {
    if (file.name && file.name !== 'image.png' && file.name !== 'image.jpeg') return file;
    const extension = (file.type.split('/')[1] ?? 'png').replace('jpeg', 'jpg').replace('svg+xml', 'svg');
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return new File([file], `pasted-${stamp}${++pasted > 1 ? `-${pasted}` : ''}.${extension}`, { type: file.type });
  }));
});

window.addEventListener('beforeunload', event => {
  if (queue.length || uploading) event.preventDefault(); // files still being sent would be lost
});

ui.downloadAll.addEventListener('click', downloadAll);
ui.clear.addEventListener('click', clearList);

// ---------------------------------------------------------------- API key

api.onUnauthorized = () => askForKey();

function askForKey() {
  if (!ui.keyField.hidden && ui.keyStatus.textContent) return;
  ui.keyField.hidden = false;
  ui.settingsPanel.open = true;
  ui.keyStatus.textContent = api.key ? 'The server did not accept this API key. Check it and try again.' : 'This server needs an API key.';
  if (!ui.keyField.contains(document.activeElement)) ui.keyInput.focus();
}

$('api-key-save').addEventListener('click', async () => {
  api.setKey(ui.keyInput.value, ui.keyRemember.checked);
  ui.keyStatus.textContent = '';
  if (!infoLoaded) await loadInfo();
  if (!historyLoaded) await restoreHistory();
  for (const item of items) if (item.phase === 'error' && item.errorStatus === 401 && item.file) enqueue(item);
  pump();
  feed.watch();
  settings.scheduleValidation(0);
});
ui.keyInput.addEventListener('keydown', event => {
  if (event.key === 'Enter') {
    event.preventDefault();
    $('api-key-save').click();
  }
});

// ---------------------------------------------------------------- start

async function loadInfo() {
  try {
    const { data } = await api.get('/api/upload/info');
    const limits = data?.limits ?? {};
    if (Number.isFinite(limits.maxFileSize)) server.maxFileSize = limits.maxFileSize;
    if (Number.isInteger(limits.maxBatchFiles)) server.maxBatchFiles = limits.maxBatchFiles;
    if (Array.isArray(data?.formats?.input) && data.formats.input.length) {
      server.inputFormats = [...new Set(data.formats.input.map(formatName))];
    }
    settings.load(data?.defaults, data?.defaultQuality);
    infoLoaded = true;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (!infoLoaded) settings.load(null); // an older server, or one asking for a key: built-in defaults until then
  }
  ui.formatsHint.textContent = server.inputFormats.join(', ');
  ui.limitHint.textContent = server.maxFileSize ? ` Up to ${bytes(server.maxFileSize)} each.` : '';
}

if (api.key) {
  ui.keyField.hidden = false;
  ui.keyInput.value = api.key;
  ui.keyRemember.checked = localStorage.getItem('fileoptimizer.apiKey') !== null;
}
if (window.matchMedia('(max-width: 48rem)').matches) ui.settingsPanel.open = false;
updateSummary();
await loadInfo();
await restoreHistory();
document.documentElement.dataset.ready = 'true';
