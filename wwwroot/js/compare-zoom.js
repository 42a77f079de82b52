// The comparison at 1:1 or 2×: both images at the result's pixel size in a view that scrolls, panned by dragging
// (or with the scroll bars and arrow keys), so a person can check "same look" pixel by pixel.

import { previewUrl } from './api.js';
import { loadImage } from './previews.js';

const LABELS = { 1: '1:1', 2: '2×' };

/** Zoom 0 fits the picture in the view; 1 and 2 show every pixel once or twice as large. */
export async function setZoom(item, zoom) {
  const card = item.ui;
  for (const button of card.zooms) button.setAttribute('aria-pressed', String(Number(button.dataset.zoom) === zoom));
  card.view.classList.toggle('zoomed', zoom > 0);
  card.view.tabIndex = zoom > 0 ? 0 : -1;
  if (zoom === 0) {
    for (const img of [card.before, card.after]) {
      img.style.removeProperty('width');
      img.style.removeProperty('height');
    }
    card.compareNote.textContent = '';
    return;
  }
  const job = item.job;
  if (!item.fullSizeLoaded) {
    item.fullSizeLoaded = true;
    card.compareNote.textContent = 'Loading full size…';
    // The original at full size is the dropped file, while the page has it; else the server's largest preview.
    await Promise.all([
      loadImage(item, card.before, [item.localUrl, previewUrl(job.id, 'original', 1024)]),
      loadImage(item, card.after, [job.downloadUrl]),
    ]);
  }
  const width = (job.outputWidth || job.width) * zoom;
  const height = (job.outputHeight || job.height) * zoom;
  for (const img of [card.before, card.after]) {
    img.style.width = `${width}px`;
    img.style.height = `${height}px`;
  }
  card.view.setAttribute('aria-label', `${item.name} at ${LABELS[zoom]}: drag or use the arrow keys to move around`);
  card.compareNote.textContent = item.localUrl
    ? `${LABELS[zoom]}: drag to move around.`
    : `${LABELS[zoom]}: the original from a preview of at most 1024 px (drop the file again to see all of it); drag to move around.`;
}

/** Dragging a zoomed view moves the picture under the pointer. */
export function enablePanning(view) {
  let start = null;
  view.addEventListener('pointerdown', event => {
    if (!view.classList.contains('zoomed') || event.button !== 0) return;
    event.preventDefault(); // no text selection or image drag
    start = { x: event.clientX, y: event.clientY, left: view.scrollLeft, top: view.scrollTop };
    view.setPointerCapture(event.pointerId);
    view.classList.add('panning');
  });
  view.addEventListener('pointermove', event => {
    if (!start) return;
    view.scrollLeft = start.left - (event.clientX - start.x);
    view.scrollTop = start.top - (event.clientY - start.y);
  });
  const end = () => {
    start = null;
    view.classList.remove('panning');
  };
  view.addEventListener('pointerup', end);
  view.addEventListener('pointercancel', end);
}
