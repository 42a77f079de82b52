// A file's card: made from the page's <template>, then drawn again from its item whenever anything changes.

import { state } from './state.js';
import { bytes, percent, formatName, dimensions, eta, duration, isVector } from './format.js';
import { showThumb, toggleCompare, setSplit, track } from './previews.js';
import { setZoom, enablePanning } from './compare-zoom.js';
import { retry, remove, takeSuggestion } from './card-actions.js';
import { downloadWithKey } from './downloads.js';
import { isMedia, mediaMeta, resultFacts } from './media.js';

const BROWSER_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/svg+xml', 'image/bmp']);
const template = document.getElementById('card-template');

/** The list of cards, newest first. */
export const cardList = document.getElementById('cards');

/** An item for a file to upload, or for a job already on the server (from the history); its card is made, not placed. */
export function createItem({ file = null, job = null }) {
  const item = {
    key: state.nextKey++,
    file,
    job,
    name: job?.fileName ?? file?.name ?? 'image',
    phase: job ? 'server' : 'pending',
    /** Percent of the file sent. */
    upload: 0,
    /** Why it was not optimized (phase 'error'): an ApiError, or an Error of the page's own. */
    error: null,
    /** A passing remark under the card, such as a failed download. */
    notice: null,
    autoRetries: 0,
    /** Sent by itself: the batch it was in was too large as a whole. */
    single: false,
    removed: false,
    /** blob: URLs to revoke when the card goes. */
    urls: [],
    localUrl: null,
    thumbShown: false,
    compareLoaded: false,
    /** When the page last heard of its job. */
    seen: Date.now(),
  };
  if (file && BROWSER_IMAGES.has(file.type)) item.localUrl = track(item, URL.createObjectURL(file));
  buildCard(item);
  return item;
}

function buildCard(item) {
  const li = template.content.firstElementChild.cloneNode(true);
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
    suggestion: find('.suggestion'),
    suggestionText: find('.suggestion-text'),
    takeSuggestion: find('.take-suggestion'),
    zooms: [...li.querySelectorAll('.zoom')],
    compareNote: find('.compare-note'),
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
  item.ui.download.addEventListener('click', event => downloadWithKey(item, event));
  item.ui.range.addEventListener('input', () => setSplit(item, Number(item.ui.range.value)));
  item.ui.takeSuggestion.addEventListener('click', () => takeSuggestion(item));
  for (const button of item.ui.zooms) button.addEventListener('click', () => setZoom(item, Number(button.dataset.zoom)));
  enablePanning(item.ui.view);
  setSplit(item, 50);
}

export function render(item) {
  const { ui: card, job } = item;
  const phase = item.phase === 'server' ? job.status : item.phase;
  const pauseNote = state.pause.note;
  card.li.dataset.state = phase;
  card.name.textContent = item.name;
  card.name.title = item.name;
  card.remove.setAttribute('aria-label', `Remove ${item.name}`);
  card.retry.setAttribute('aria-label', `Retry ${item.name}`);
  card.download.setAttribute('aria-label', `Download ${item.name}`);
  card.compareToggle.setAttribute('aria-label', `${card.compare.hidden ? 'Compare' : 'Hide comparison of'} ${item.name}`);

  const meta = isMedia(item) ? mediaMeta(item) : [
    bytes(job?.originalSize ?? item.file?.size),
    formatName(job?.inputFormat),
    dimensions(job?.width, job?.height),
    job?.frames > 1 ? `${job.frames} frames` : '',
  ];
  card.meta.textContent = meta.filter(Boolean).join(' · ');

  let progress = 0;
  let text = '';
  switch (phase) {
    case 'pending': text = pauseNote ? 'Waiting' : 'Waiting to upload'; break;
    case 'uploading': progress = item.upload; text = 'Uploading'; break;
    case 'error': text = item.error?.gone ? 'Gone' : 'Not optimized'; break;
    case 'waiting': text = 'Waiting to start'; break;
    case 'queued': text = job.eta ? `In the queue · ${eta(job.eta)}` : 'In the queue'; break;
    case 'processing':
      progress = job.progress ?? 0;
      text = job.eta ? `Optimizing · ${eta(job.eta)} left` : 'Optimizing';
      break;
    case 'paused': progress = job.progress ?? 0; text = 'Paused'; break;
    case 'completed': progress = 100; text = job.processingTime != null ? `Done in ${duration(job.processingTime)}` : 'Done'; break;
    case 'failed': text = 'Failed'; break;
    case 'cancelled': text = 'Cancelled'; break;
    default: text = phase;
  }
  progress = Math.max(0, Math.min(100, Math.round(progress)));
  card.bar.style.width = `${progress}%`;
  card.progress.setAttribute('aria-valuenow', String(progress));
  card.progress.setAttribute('aria-valuetext', `${text}, ${progress} %`);
  card.progressText.textContent = `${progress} %`;
  card.state.textContent = text;

  const completed = phase === 'completed';
  card.result.hidden = !completed;
  card.outcome.hidden = !completed;
  card.badge.hidden = !completed;
  if (completed) {
    card.result.replaceChildren(
      strong(bytes(job.optimizedSize)),
      ...resultFacts(job).map(fact => ` · ${fact}`),
    );
    const look = lookText(job);
    const told = look ? `${outcomeText(job)} ${look}` : outcomeText(job);
    card.outcome.textContent = job.cached ? `${told} Reused an earlier result.` : told;
    const kept = job.outcome === 'kept-original' || job.outcome === 'sanitized';
    card.badge.textContent = kept ? 'Kept' : `−${percent(job.ratio ?? 0)}`;
    card.badge.title = kept ? 'Already optimal: the original was kept' : `${percent(job.ratio ?? 0)} smaller`;
    card.badge.dataset.kind = kept ? 'kept' : 'saved';
    card.download.href = job.downloadUrl;
  }
  const suggestion = completed ? job.quality?.suggestion : null;
  card.suggestion.hidden = !suggestion;
  if (suggestion) {
    const name = formatName(suggestion.format);
    card.suggestionText.textContent = `As ${name}: ${suggestion.percentSmaller} % smaller, same look.`;
    card.takeSuggestion.textContent = `Make it ${name}`;
    card.takeSuggestion.setAttribute('aria-label', `Make ${item.name} ${name}, about ${bytes(suggestion.bytes)}`);
  }

  let error = item.notice;
  if (phase === 'pending' && pauseNote) error = pauseNote;
  if (phase === 'error') error = item.error.message;
  else if (phase === 'failed') error = job.error?.message || 'Processing failed.';
  else if (phase === 'cancelled') error = 'The job was cancelled.';
  card.error.textContent = error ?? '';
  card.error.hidden = !error;
  card.error.classList.toggle('note', phase === 'pending');

  card.download.hidden = !completed;
  card.compareToggle.hidden = !completed;
  if (!completed && !card.compare.hidden) toggleCompare(item);
  card.retry.hidden = !(phase === 'failed' || phase === 'cancelled' || (phase === 'error' && item.file && !item.error.permanent));

  if (!item.thumbShown) showThumb(item);
}

export function strong(text) {
  const element = document.createElement('strong');
  element.textContent = text;
  return element;
}

/** The measured look of the result (SSIMULACRA2), against its target when it had one; and the format auto chose. */
export function lookText(job) {
  const quality = job.quality;
  if (!quality) return '';
  const score = Math.round(quality.score);
  const same = isVector(job.outputFormat) ? 'Renders the same' : 'Looks the same';
  const look = quality.target != null
    ? (job.outcome === 'below-target' ? `Could not reach the target: looks ${score} / target ${Math.round(quality.target)}.` : `${same}: ${score} / target ${Math.round(quality.target)}.`)
    : `Measured look: ${score}.`;
  return job.settings?.format === 'auto' ? `${look} Chose ${(job.outputFormat ?? '').toUpperCase()}: ${quality.chosenBecause}.` : look;
}

/** What optimizing did, for the card or (spoken) for the announcement. */
export function outcomeText(job, spoken = false) {
  const note = job.note && !spoken ? ` ${job.note}` : '';
  if (job.outcome === 'kept-original') return (spoken ? 'already optimal, the original was kept.' : 'Already optimal: kept the original.') + note;
  if (job.outcome === 'sanitized') return (spoken ? 'made safe, not smaller.' : 'Made safe, not smaller.') + note;
  if (isVector(job.outputFormat)) return (spoken ? `vector, ${percent(job.ratio ?? 0)} smaller.` : `Vector, ${percent(job.ratio ?? 0)} smaller.`) + note;
  if (job.outcome === 'rasterized') return `${spoken ? 'drawn as pixels' : 'Drawn as pixels'}, ${percent(job.ratio ?? 0)} smaller.`;
  const saved = (job.originalSize ?? 0) - (job.optimizedSize ?? 0);
  if (saved <= 0) return spoken ? 'optimized.' : 'Optimized.';
  return spoken ? `${percent(job.ratio ?? 0)} smaller, ${bytes(saved)} saved.` : `Optimized: ${percent(job.ratio ?? 0)} smaller, ${bytes(saved)} saved.`;
}
