// Saving results: one file from its card's link, or all finished files as one ZIP. Without an API key the browser
// streams them to disk itself; with one they are fetched with the key, then handed to the browser.

import { state } from './state.js';
import { archiveLink, fetchArchive, fetchDownload, hasKey } from './api.js';
import { isDone } from './items.js';
import { showNotice } from './card-actions.js';
import { showTotalsNote } from './summary.js';
import { announce } from './announcer.js';

/** A card's Download link: left to the browser without a key; fetched with it otherwise. */
export function downloadWithKey(item, event) {
  if (!hasKey()) return;
  event.preventDefault();
  fetchDownload(item.ui.download.href).then(save).catch(error => showNotice(item, error.message));
}

export async function downloadAll() {
  const ids = state.items.filter(isDone).map(item => item.job.id);
  if (!ids.length) return;
  const link = archiveLink(ids);
  try {
    if (link) clickDownload(link, ''); // streamed straight to disk by the browser
    else save(await fetchArchive(ids));
  } catch (error) {
    announce(`The ZIP could not be made: ${error.message}`);
    showTotalsNote(`The ZIP could not be made: ${error.message}`);
  }
}

function save({ blob, name }) {
  const url = URL.createObjectURL(blob);
  clickDownload(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
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
