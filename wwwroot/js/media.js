// Videos and songs on the page: which family a file belongs to (from its type or name before upload, from its job's
// `type` after), what its card says of it, and the two players (original and result) that replace the image comparison.

import { imageSource, originalUrl, previewUrl } from './api.js';
import { bytes, clock, codecName, dimensions, formatName } from './format.js';
import { track } from './previews.js';

const VIDEO_NAME = /\.(mp4|m4v|mov|webm|mkv|avi|ts|m2ts|mts)$/i;
const AUDIO_NAME = /\.(mp3|m4a|aac|wav|flac|ogg|oga|opus)$/i;
const FAMILY_NAMES = { video: 'Video', audio: 'Audio' };

/** 'image', 'video' or 'audio' for a file not sent yet: its declared type, else its extension. */
export function familyOfFile(file) {
  const type = file?.type ?? '';
  if (type.startsWith('video/') || (!type.startsWith('audio/') && VIDEO_NAME.test(file?.name ?? ''))) return 'video';
  if (type.startsWith('audio/') || AUDIO_NAME.test(file?.name ?? '')) return 'audio';
  return 'image';
}

/** The item's family: what the server found once there is a job, else the page's guess from the file. */
export function familyOf(item) {
  return item.job?.type ?? familyOfFile(item.file ?? { name: item.name });
}

export const isMedia = item => familyOf(item) !== 'image';

/** A file a folder may hold that the page sends: a video or a song by its type or name. */
export const looksLikeMedia = file => familyOfFile(file) !== 'image';

/** "Video · 0:02 · 640 × 360 · 30 fps · H.264 / AAC", then the size and container. */
export function mediaMeta(item) {
  const job = item.job;
  const parts = [FAMILY_NAMES[familyOf(item)]];
  if (job?.duration != null) parts.push(clock(job.duration));
  if (job?.width) parts.push(dimensions(job.width, job.height));
  if (job?.frameRate) parts.push(`${Math.round(job.frameRate * 100) / 100} fps`);
  parts.push(...codecsAndFormat(job?.codecs, job?.inputFormat).reverse(), bytes(job?.originalSize ?? item.file?.size));
  return parts.filter(Boolean);
}

/** The result line after the new size: format, codecs (video and audio) and dimensions. */
export function resultFacts(job) {
  return [...codecsAndFormat(job.outputCodecs, job.outputFormat), dimensions(job.outputWidth, job.outputHeight)].filter(Boolean);
}

/** ["MP4", "H.264 / AAC"]; a song's format named once when it is its codec's name ("MP3", not "MP3 · MP3"). */
function codecsAndFormat(pair, format) {
  const codecs = [codecName(pair?.video), codecName(pair?.audio)].filter(Boolean).join(' / ');
  const name = formatName(format);
  return codecs === name ? [name] : [name, codecs];
}

/**
 * Fills the card's comparison area with two native players, original and result, made the first time it opens. Nothing
 * plays until the person presses play; seeking asks the server for byte ranges. With an API key (which a player cannot
 * send) each file is fetched whole with the key and played from a blob: URL.
 */
export function showPlayers(item) {
  const card = item.ui;
  const job = item.job;
  card.view.hidden = true;
  const players = document.createElement('div');
  players.className = 'players';
  players.append(
    player(item, 'Original', bytes(job.originalSize), originalUrl(job.id), 'original', job.inputFormat),
    player(item, 'Optimized', bytes(job.optimizedSize), job.downloadUrl, 'result', job.outputFormat),
  );
  card.compare.append(players);
}

/** Stops both players when the comparison closes. */
export function pausePlayers(item) {
  for (const element of item.ui.compare.querySelectorAll('video, audio')) element.pause();
}

function player(item, label, size, url, of, format) {
  const video = familyOf(item) === 'video';
  const figure = document.createElement('figure');
  figure.className = `player player-${of}`;
  const caption = document.createElement('figcaption');
  caption.textContent = `${label} · ${size}`;
  const element = document.createElement(video ? 'video' : 'audio');
  element.controls = true;
  element.preload = 'metadata';
  element.setAttribute('aria-label', `${label} ${item.name}`);
  const problem = document.createElement('p');
  problem.className = 'player-error';
  problem.hidden = true;
  element.addEventListener('error', () => {
    problem.textContent = `This browser cannot play ${formatName(format) || 'this file'}: download it to ${video ? 'watch' : 'hear'} it.`;
    problem.hidden = false;
  });
  figure.append(caption, element, problem);
  load(item, element, url, video ? previewUrl(item.job.id, of, 1024) : null);
  return figure;
}

async function load(item, element, url, poster) {
  if (poster) keyed(item, poster, 'image/*').then(source => { element.poster = source; }, () => {}); // no poster: a black frame
  try {
    element.src = await keyed(item, url, `${item.job.type}/*`);
  } catch {
    element.dispatchEvent(new Event('error'));
  }
}

async function keyed(item, url, accept) {
  const source = await imageSource(url, accept);
  return source === url ? url : track(item, source);
}
