// This browser's jobs: their ids are kept in localStorage, so a reload brings the list back from the server.

import { state } from './state.js';
import { ApiError, getJob, listJobs } from './api.js';
import { cardList, createItem, render } from './card.js';
import { updateSummary } from './summary.js';
import { watch } from './live-feed.js';

const HISTORY = 'fileoptimizer.jobs';
const MAX_HISTORY = 500;

function history() {
  try {
    const ids = JSON.parse(localStorage.getItem(HISTORY) ?? '[]');
    return Array.isArray(ids) ? ids.filter(id => typeof id === 'string' && /^[0-9a-f]{32}$/.test(id)) : [];
  } catch {
    return [];
  }
}

export function remember(id) {
  localStorage.setItem(HISTORY, JSON.stringify([id, ...history().filter(other => other !== id)].slice(0, MAX_HISTORY)));
}

export function forget(id) {
  localStorage.setItem(HISTORY, JSON.stringify(history().filter(other => other !== id)));
}

/** Brings back this browser's jobs after a reload, read from the status list (or one by one, beyond its pages). */
export async function restoreHistory() {
  const ids = history();
  if (!ids.length) {
    state.historyLoaded = true;
    return;
  }
  const wanted = new Set(ids);
  const found = new Map();
  let listedAll = false;
  try {
    for (let page = 1; page <= 20 && found.size < wanted.size; page++) {
      const data = await listJobs(page);
      for (const job of data.items) if (wanted.has(job.id)) found.set(job.id, job);
      if (page >= data.pages) {
        listedAll = true;
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.needsKey) return; // asked again once a key is given
  }
  for (const id of ids) {
    if (found.has(id)) continue;
    if (listedAll) {
      forget(id); // no longer on the server: its retention ended
      continue;
    }
    try {
      found.set(id, await getJob(id));
    } catch (error) {
      if (error.gone) forget(id);
      else if (error.needsKey) return;
    }
  }
  const jobs = [...found.values()].filter(job => !state.byJob.has(job.id)).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  for (const job of jobs) {
    const item = createItem({ job });
    state.items.push(item);
    state.byJob.set(job.id, item);
    cardList.append(item.ui.li);
    render(item);
  }
  state.historyLoaded = true;
  updateSummary();
  watch();
}
