// Following the jobs on the server: one stream of all jobs' events (GET /api/events) while any is running, a watchdog
// asking after a job that has been quiet too long, and each snapshot applied to its card.

import { state } from './state.js';
import { ApiError, followEvents, getJob, listJobs } from './api.js';
import { hasActive, isOlder, isRunning } from './items.js';
import { render, outcomeText } from './card.js';
import { forget } from './history.js';
import { updateSummary, checkAllDone } from './summary.js';
import { announce } from './announcer.js';

/** A running job not heard of for this long is asked for its status. */
const QUIET_MS = 8000;

/** Makes sure the stream is open (or about to reopen) while a job is running, and stops it when none is. */
export function watch() {
  const { feed } = state;
  if (!hasActive()) {
    stop();
    return;
  }
  if (!feed.controller && !feed.retryTimer) connect();
  if (!feed.watchdog) {
    // A stream can lose an event (a proxy, a server under load): a job that has been quiet for a while is asked directly.
    feed.watchdog = setInterval(() => {
      const quiet = Date.now() - QUIET_MS;
      const due = state.items.filter(item => isRunning(item) && item.seen < quiet).slice(0, 4);
      for (const item of due) {
        item.seen = Date.now();
        refresh(item);
      }
    }, QUIET_MS / 2);
  }
}

async function connect() {
  const { feed } = state;
  const controller = new AbortController();
  feed.controller = controller;
  try {
    await followEvents({
      lastEventId: feed.lastEventId,
      signal: controller.signal,
      onOpen: () => {
        feed.failures = 0;
        syncActive(); // what changed before the stream opened
      },
      onEvent: (job, id) => {
        if (id) feed.lastEventId = id;
        if (!job) return;
        const item = state.byJob.get(job.id);
        if (item) update(item, job);
        else if (state.uploading) {
          feed.early.set(job.id, job);
          if (feed.early.size > 200) feed.early.delete(feed.early.keys().next().value);
        }
      },
    });
  } catch (error) {
    if (error?.name === 'AbortError' || feed.controller !== controller) return;
    if (!(error instanceof ApiError)) throw error;
    if (error.needsKey) {
      feed.controller = null; // wait for a key
      return;
    }
    feed.failures++;
    if (error.retryAfter) feed.failures = Math.max(feed.failures, Math.ceil(Math.log2(error.retryAfter * 2)));
  }
  if (feed.controller !== controller) return;
  feed.controller = null;
  if (hasActive()) {
    feed.retryTimer = setTimeout(() => {
      feed.retryTimer = 0;
      watch();
    }, Math.min(60000, 500 * 2 ** feed.failures));
  }
}

function stop() {
  const { feed } = state;
  feed.controller?.abort();
  feed.controller = null;
  clearTimeout(feed.retryTimer);
  feed.retryTimer = 0;
  clearInterval(feed.watchdog);
  feed.watchdog = 0;
}

export function stopIfIdle() {
  if (!hasActive()) stop();
}

/** Brings every running job up to date: one status-list request for many, single requests for a few or the rest. */
async function syncActive() {
  let active = state.items.filter(isRunning);
  if (active.length > 2) {
    try {
      const latest = new Map((await listJobs(1)).items.map(job => [job.id, job]));
      for (const item of active) if (latest.has(item.job.id)) update(item, latest.get(item.job.id));
      active = active.filter(item => !latest.has(item.job.id)); // older than the newest hundred
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return; // asked again by the watchdog
    }
  }
  for (let i = 0; i < active.length; i += 4) await Promise.all(active.slice(i, i + 4).map(refresh));
}

/** Reads one job's status; a job the server no longer has is shown as gone. */
export async function refresh(item) {
  if (!item.job) return;
  try {
    update(item, await getJob(item.job.id));
  } catch (error) {
    if (error.gone && !item.removed) {
      forget(item.job.id);
      item.phase = 'error';
      item.error = error;
      render(item);
      updateSummary();
    }
  }
}

/** Shows a job snapshot unless it is older than the one shown (force: even then); announces a job that finishes. */
export function update(item, job, force = false) {
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
  if (now !== was && now === 'completed') {
    announce(`${item.name} is done: ${outcomeText(item.job, true)}`);
    state.finishedInRun++;
  }
  if (now !== was && now === 'failed') announce(`${item.name} failed: ${item.job.error?.message ?? 'processing failed.'}`);
  checkAllDone();
  updateSummary();
  stopIfIdle();
}
