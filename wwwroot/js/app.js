// FileOptimizer's page: add images, videos and audio (drop, picker, folder, paste), upload them in batches, follow each
// job live, compare (or play both versions) and download the results, one by one or all as a ZIP. Plain JavaScript modules, no build step:
// this one wires the others together and starts the page.

import { state } from './state.js';
import { ApiError, getInfo } from './api.js';
import { bytes, formatName } from './format.js';
import { settings } from './settings.js';
import { setUpKeyField } from './api-key.js';
import { listenForFiles } from './intake.js';
import { enqueue, pump } from './uploads.js';
import { watch } from './live-feed.js';
import { restoreHistory } from './history.js';
import { clearList, updateSummary } from './summary.js';
import { downloadAll } from './downloads.js';

const $ = id => document.getElementById(id);

/** Limits, formats and default settings from GET /api/upload/info; built-in ones until it answers. */
async function loadInfo() {
  try {
    const data = await getInfo();
    state.server.maxFileSize = data.limits.maxFileSize;
    state.server.maxBatchFiles = data.limits.maxBatchFiles;
    state.server.inputFormats = [...new Set(data.formats.input.map(formatName))];
    settings.offerVectorOutputs(data.formats);
    settings.load(data.defaults);
    state.infoLoaded = true;
    settings.media.offer(Boolean(data.ffmpeg)); // a server without ffmpeg takes no video or audio
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (!state.infoLoaded) settings.load(); // no answer, or one asking for a key: asked again once a key is given
  }
  $('formats-hint').textContent = state.server.inputFormats.join(', ');
  $('limit-hint').textContent = state.server.maxFileSize ? ` Up to ${bytes(state.server.maxFileSize)} each.` : '';
}

/** A key was given: what waited for it goes now. */
async function keyGiven() {
  if (!state.infoLoaded) await loadInfo();
  if (!state.historyLoaded) await restoreHistory();
  for (const item of state.items) if (item.phase === 'error' && item.error?.needsKey && item.file) enqueue(item);
  pump();
  watch();
  settings.scheduleValidation(0);
}

setUpKeyField(keyGiven);
listenForFiles();
$('download-all').addEventListener('click', downloadAll);
$('clear-list').addEventListener('click', clearList);
window.addEventListener('beforeunload', event => {
  if (state.queue.length || state.uploading) event.preventDefault(); // files still being sent would be lost
});
if (window.matchMedia('(max-width: 48rem)').matches) $('settings-panel').open = false;

updateSummary();
await loadInfo();
await restoreHistory();
document.documentElement.dataset.ready = 'true';
