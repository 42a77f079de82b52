// Pictures on a card: the thumbnail, and the before/after comparison with its slider. Both show the server's previews
// (or the dropped file itself, while the browser has it). An SVG that stayed SVG is compared as shapes drawn by the
// browser, the dropped original beside the downloaded result, so zooming the page shows every edge sharp on both sides.

import { fetchDownload, imageSource, previewUrl } from './api.js';
import { formatName, isVector } from './format.js';
import { showNotice } from './card-actions.js';
import { isMedia, pausePlayers, showPlayers } from './media.js';

/** Keeps a blob: URL to revoke when the card goes. */
export function track(item, url) {
  item.urls.push(url);
  return url;
}

function preview(item, of, size) {
  return item.job ? previewUrl(item.job.id, of, size) : null;
}

export function showThumb(item) {
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

/** Shows the first of the addresses (or of the blob: URLs made by a function) that loads; resolves to false when none does. */
export async function loadImage(item, img, urls) {
  for (const url of urls) {
    if (!url) continue;
    let source;
    try {
      source = typeof url === 'function' ? await url() : await imageSource(url);
    } catch {
      continue;
    }
    if (source !== url) track(item, source);
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

export function toggleCompare(item) {
  const card = item.ui;
  const open = card.compare.hidden;
  card.compare.hidden = !open;
  card.compareToggle.setAttribute('aria-expanded', String(open));
  card.compareToggle.textContent = open ? 'Hide comparison' : 'Compare';
  card.compareToggle.setAttribute('aria-label', `${open ? 'Hide comparison of' : 'Compare'} ${item.name}`);
  if (!open) pausePlayers(item);
  if (!open || item.compareLoaded) return;
  item.compareLoaded = true;
  if (isMedia(item)) {
    showPlayers(item); // a video or a song is compared by playing both
    return;
  }
  const job = item.job;
  const width = job.outputWidth || job.width;
  const height = job.outputHeight || job.height;
  if (width && height) card.view.style.aspectRatio = `${width} / ${height}`;
  card.view.classList.add('loading');
  // Both sides drawn the same way: by the browser when the dropped SVG is still here, else by the server's previews.
  const vector = isVector(job.outputFormat) && item.localUrl;
  Promise.all([
    loadImage(item, card.before, vector
      ? [item.localUrl, preview(item, 'original', 1024)]
      : [preview(item, 'original', 1024), item.localUrl, preview(item, 'original', 256)]),
    loadImage(item, card.after, vector
      ? [() => svgResult(item), preview(item, 'result', 1024)]
      : [preview(item, 'result', 1024), preview(item, 'result', 256), job.downloadUrl]),
  ]).then(([before, after]) => {
    card.view.classList.remove('loading');
    if (!before || !after) showNotice(item, 'The comparison could not be shown: a preview did not load.');
  });
}

/**
 * The result SVG as a blob: URL. The download itself is an attachment under a sandboxing CSP; fetched (with the key,
 * if any) and shown from a blob, it is drawn as an image, where SVG never runs scripts or loads anything. SVGZ is
 * gunzipped first: a blob has no Content-Encoding for the browser to undo.
 */
async function svgResult(item) {
  let { blob } = await fetchDownload(item.job.downloadUrl);
  if (item.job.outputFormat === 'svgz') blob = await new Response(blob.stream().pipeThrough(new DecompressionStream('gzip'))).blob();
  return URL.createObjectURL(new Blob([blob], { type: 'image/svg+xml' })); // revoked with the card (loadImage tracks it)
}

export function setSplit(item, value) {
  item.ui.after.style.clipPath = `inset(0 0 0 ${value}%)`;
  item.ui.divider.style.left = `${value}%`;
  item.ui.range.setAttribute('aria-valuetext', `${Math.round(value)} % original, ${Math.round(100 - value)} % optimized`);
}
