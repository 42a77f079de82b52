// Where files come from: dropped on the window (files or whole folders), chosen with the two buttons, or pasted.
// From a folder only images, videos and audio files are taken.

import { state } from './state.js';
import { addFiles } from './uploads.js';
import { announce } from './announcer.js';
import { looksLikeMedia } from './media.js';

const IMAGE_NAME = /\.(jpe?g|jfif|png|webp|gif|tiff?|heic|heif|avif|svgz?)$/i;
const NOTHING_FOUND = 'The folder holds no images, videos or audio files.';

const $ = id => document.getElementById(id);
const dropZone = $('drop-zone');
const fileInput = $('file-input');
const folderInput = $('folder-input');

export function listenForFiles() {
  window.addEventListener('dragenter', event => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    state.dragDepth++;
    dropZone.classList.add('dragging');
  });
  window.addEventListener('dragover', event => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('dragleave', event => {
    if (!hasFiles(event)) return;
    state.dragDepth = Math.max(0, state.dragDepth - 1);
    if (!state.dragDepth) dropZone.classList.remove('dragging');
  });
  window.addEventListener('drop', dropped);

  $('choose-files').addEventListener('click', () => fileInput.click());
  $('choose-folder').addEventListener('click', () => folderInput.click());
  fileInput.addEventListener('change', () => {
    addFiles([...fileInput.files]);
    fileInput.value = '';
  });
  folderInput.addEventListener('change', () => {
    const files = [...folderInput.files].filter(wanted);
    if (!files.length) announce(NOTHING_FOUND);
    addFiles(files);
    folderInput.value = '';
  });
  document.addEventListener('paste', pasted);
}

function hasFiles(event) {
  return [...(event.dataTransfer?.types ?? [])].includes('Files');
}

function dropped(event) {
  if (!hasFiles(event)) return;
  event.preventDefault();
  state.dragDepth = 0;
  dropZone.classList.remove('dragging');
  // Entries must be taken while the event lasts; folders are read afterwards.
  const dataTransfer = event.dataTransfer;
  const entries = [...dataTransfer.items ?? []].filter(entry => entry.kind === 'file').map(entry => entry.webkitGetAsEntry?.() ?? null);
  const files = [...dataTransfer.files];
  if (entries.some(entry => entry?.isDirectory)) {
    readEntries(entries.filter(Boolean)).then(addFiles);
  } else {
    addFiles(files);
  }
}

async function readEntries(entries) {
  const files = [];
  const walk = async (entry, inFolder, depth) => {
    if (entry.isFile) {
      const file = await new Promise(resolve => entry.file(resolve, () => resolve(null)));
      if (file && (!inFolder || wanted(file))) files.push(file);
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
  if (!files.length) announce(NOTHING_FOUND);
  return files;
}

/** Files found in a folder: images, videos and audio; hidden files (.DS_Store and the like) skipped. */
function wanted(file) {
  return !file.name.startsWith('.') && (file.type.startsWith('image/') || IMAGE_NAME.test(file.name) || looksLikeMedia(file));
}

/** Pasted images; one without a real name (a screenshot is "image.png") gets a dated one. */
function pasted(event) {
  const files = [...(event.clipboardData?.files ?? [])];
  if (!files.length) return; // text goes into the field as usual
  event.preventDefault();
  addFiles(files.map(file => {
    if (file.name && file.name !== 'image.png' && file.name !== 'image.jpeg') return file;
    const extension = (file.type.split('/')[1] ?? 'png').replace('jpeg', 'jpg').replace('svg+xml', 'svg');
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return new File([file], `pasted-${stamp}${++state.pasted > 1 ? `-${state.pasted}` : ''}.${extension}`, { type: file.type });
  }));
}
