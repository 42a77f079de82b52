// Talking to the FileOptimizer API; no other module does. Every call sends the API key when there is one, and every
// failure is thrown as an ApiError: its message is a sentence a person understands, its flags say what the page can do.

import { state } from './state.js';
import { bytes, list } from './format.js';
import { readEventStream } from './event-stream.js';

const KEY_STORAGE = 'fileoptimizer.apiKey';
/** Answers that sending the same file again cannot change: gone, too large, not an image, unreadable. */
const PERMANENT = new Set([404, 413, 415, 422]);
/** Longest GET address for "download all"; more ids go in a POST body. */
const ARCHIVE_URL_LIMIT = 4000;

state.apiKey = sessionStorage.getItem(KEY_STORAGE) ?? localStorage.getItem(KEY_STORAGE) ?? '';

/** Dispatches 'unauthorized' on every 401 answer, so the page can ask for a key. */
export const apiEvents = new EventTarget();

export class ApiError extends Error {
  /** status 0: no answer. problem: the ProblemDetails answered, if any. retryAfter: seconds the server asked to wait. */
  constructor(status, problem = null, retryAfter = null) {
    super(describe(status, problem, retryAfter));
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
    /** The server wants an API key, or another one. */
    this.needsKey = status === 401;
    /** The server no longer has the job. */
    this.gone = status === 404;
    /** The job is not in a state for this (the page's view of it may be behind). */
    this.conflict = status === 409;
    this.tooLarge = status === 413;
    /** Sending the same file again cannot help. */
    this.permanent = PERMANENT.has(status);
    /** Messages per settings field, when the server refused the settings. */
    this.fieldErrors = status === 400 ? problem?.errors ?? null : null;
    /** A 429 or 503: send nothing for a while (retryAfter seconds, when the server said); busyReason says why. */
    this.busy = status === 429 || status === 503;
    this.busyReason = !this.busy ? null
      : status === 503 ? 'The server is busy (its queue is full).'
        : problem?.policy === 'upload' ? 'The server takes only so many uploads from one computer in a while.'
          : 'The server has had too many requests from this computer.';
  }
}

/** The sentence a person sees for a failed upload or action. */
function describe(status, problem, retryAfter) {
  const detail = problem?.detail ? ` ${problem.detail}` : '';
  switch (status) {
    case 0: return 'The server could not be reached. Check the connection, then retry.';
    case 400:
      if (problem?.errors) {
        const parts = Object.entries(problem.errors).map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`);
        return `The server did not accept the request. ${parts.join(' ')}`;
      }
      return `The server did not accept the request.${detail}`;
    case 401: return 'This server needs an API key. Enter it under Settings, then retry.';
    case 403: return 'This API key is not allowed to do that.';
    case 404: return 'The server no longer has this file. Results are deleted after a while; add the file again.';
    case 409: return `That is not possible in this state.${detail}`;
    case 413:
      return state.server.maxFileSize
        ? `This file is too large. The server accepts files up to ${bytes(state.server.maxFileSize)}.`
        : `This file is too large for the server.${detail}`;
    case 415:
      // A file the server recognised but cannot take here (no ffmpeg, switched off, a playlist) says why.
      return problem?.reason && problem.reason !== 'unsupported-type' && problem.detail
        ? `This file cannot be optimized here. ${problem.detail}`
        : `This is not an image FileOptimizer can read. It accepts ${list(state.server.inputFormats)}.`;
    case 422: return `This file cannot be processed.${detail}`;
    case 429: return `The server has had too many requests from this computer. Try again in ${retryAfter ?? 'a few'} seconds.`;
    case 503: return `The server is busy right now (its queue is full). Try again in ${retryAfter ?? 'a few'} seconds.`;
    default:
      return status >= 500 ? 'Something went wrong on the server. Try again later.' : `The request failed (HTTP ${status}).${detail}`;
  }
}

// ---------------------------------------------------------------- the key

export const hasKey = () => state.apiKey !== '';

export const keyRemembered = () => localStorage.getItem(KEY_STORAGE) !== null;

/** Uses the key from now on: kept for this tab, or in localStorage when remembered. */
export function setKey(key, remember) {
  state.apiKey = key.trim();
  sessionStorage.removeItem(KEY_STORAGE);
  localStorage.removeItem(KEY_STORAGE);
  if (state.apiKey) (remember ? localStorage : sessionStorage).setItem(KEY_STORAGE, state.apiKey);
}

function headers(extra = {}) {
  const all = { Accept: 'application/json', ...extra };
  if (state.apiKey) all['X-API-Key'] = state.apiKey;
  return all;
}

// ---------------------------------------------------------------- requests

/** The ApiError for a non-2xx answer; a 401 also tells the page. */
function failure(status, problem, retryAfterHeader) {
  if (status === 401) apiEvents.dispatchEvent(new Event('unauthorized'));
  return new ApiError(status, problem, retryAfter(retryAfterHeader));
}

/** fetch, answering the 2xx response or throwing ApiError (the AbortError of a signal passes through). */
async function call(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0);
  }
  if (!response.ok) throw failure(response.status, await readJson(response), response.headers.get('Retry-After'));
  return response;
}

/** A JSON call: resolves with the answer's JSON (null when it has none). */
async function request(method, url, json) {
  const response = await call(url, {
    method,
    headers: headers(json === undefined ? {} : { 'Content-Type': 'application/json' }),
    body: json === undefined ? undefined : JSON.stringify(json),
    cache: 'no-store',
  });
  return readJson(response);
}

async function readJson(response) {
  if (response.status === 204 || !(response.headers.get('Content-Type') ?? '').includes('json')) return null;
  try { return await response.json(); } catch { return null; }
}

function retryAfter(value) {
  if (!value) return null;
  const number = Number(value);
  if (Number.isFinite(number)) return Math.max(1, Math.min(number, 3600));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(1, Math.round((date - Date.now()) / 1000)) : null;
}

export const getInfo = () => request('GET', '/api/upload/info');
/** One page of the status list, newest first: { items, pages, ... }. */
export const listJobs = (page, limit = 100) => request('GET', `/api/status?page=${page}&limit=${limit}`);
export const getJob = id => request('GET', `/api/status/${id}`);
export const deleteJob = id => request('DELETE', `/api/status/${id}`);
export const retryJob = id => request('POST', `/api/status/${id}/retry`);
/** Processes a finished job again (new result from the same original) with these settings. */
export const processJob = (id, settings) => request('POST', `/api/process/${id}`, { settings });
export const validateSettings = settings => request('POST', '/api/process/validate-settings', settings);
export const previewUrl = (id, of, size) => `/api/download/${id}/preview?size=${size}&of=${of}`;
export const originalUrl = id => `/api/download/${id}/original`;
/** The defaults of a video or audio job ('video' or 'audio'): format, codecs, quality and what may be chosen. */
export const getMediaDefaults = family => request('GET', `/api/process/settings/${family}`);

// ---------------------------------------------------------------- uploads

/** An ApiError for a file larger than the server takes, which is then not sent at all; null when it may go. */
export function sizeRefusal(file) {
  return state.server.maxFileSize && file.size > state.server.maxFileSize ? new ApiError(413) : null;
}

/**
 * Sends files with the settings, to be processed at once: one by POST /api/upload, more by POST /api/upload/batch.
 * onProgress(shares) gets each file's sent share (0 to 1). Resolves with one entry per file, in order: { job } (its upload
 * answer) or { error } (the ApiError of a file the server refused); throws ApiError when the request as a whole failed.
 */
export async function upload(files, settings, onProgress) {
  const single = files.length === 1;
  const form = new FormData();
  form.append('settings', JSON.stringify(settings));
  form.append('autoProcess', 'true');
  const offsets = [];
  let sum = 0;
  for (const file of files) {
    offsets.push(sum);
    sum += file.size;
    form.append(single ? 'file' : 'files', file, file.name);
  }
  const data = await post(single ? '/api/upload' : '/api/upload/batch', form, (loaded, total) => {
    const payload = loaded * (sum / Math.max(total, 1));
    onProgress(files.map((file, index) => (file.size ? Math.min(1, Math.max(0, (payload - offsets[index]) / file.size)) : 1)));
  });
  if (single) return [{ job: data }];
  return matchResults(files, data.results).map(result =>
    (result?.job ? { job: result.job } : { error: new ApiError(result?.problem?.status ?? 0, result?.problem ?? null) }));
}

/** A multipart POST through XMLHttpRequest, the one browser API that reports upload progress. */
function post(url, form, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
    request.responseType = 'text';
    request.upload.addEventListener('progress', event => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    request.addEventListener('load', () => {
      let data = null;
      try { data = request.responseText ? JSON.parse(request.responseText) : null; } catch { data = null; }
      if (request.status >= 200 && request.status < 300) resolve(data);
      else reject(failure(request.status, data, request.getResponseHeader('Retry-After')));
    });
    request.addEventListener('error', () => reject(new ApiError(0)));
    request.addEventListener('abort', () => reject(new ApiError(0)));
    request.send(form);
  });
}

/**
 * Puts a batch answer's results in the files' order. The server answers the files it read in order, then the ones it
 * skipped as too large (413) at the end; those are found by name, else by size.
 */
function matchResults(files, results) {
  const rest = files.map((file, index) => ({ file, index }));
  const matched = new Array(files.length).fill(null);
  const oversized = results.filter(result => !result.job && result.problem?.status === 413);
  for (const result of oversized) {
    let at = rest.findIndex(({ file }) => file.name === result.fileName);
    if (at < 0) at = rest.findIndex(({ file }) => sizeRefusal(file));
    if (at < 0) at = rest.reduce((largest, { file }, i) => (largest < 0 || file.size > rest[largest].file.size ? i : largest), -1);
    if (at >= 0) matched[rest.splice(at, 1)[0].index] = result;
  }
  const inOrder = results.filter(result => !oversized.includes(result));
  rest.forEach(({ index }, i) => { matched[index] = inOrder[i] ?? null; });
  return matched;
}

// ---------------------------------------------------------------- events, images, downloads

/**
 * Follows GET /api/events with fetch, so the key can go along (EventSource cannot send headers): onOpen() once connected,
 * then onEvent(job, id) per event (job null when unreadable). Resolves when the stream ends; throws ApiError, or
 * signal's AbortError.
 */
export async function followEvents({ lastEventId, signal, onOpen, onEvent }) {
  const response = await call('/api/events', {
    headers: headers({ Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) }),
    cache: 'no-store',
    signal,
  });
  onOpen();
  try {
    await readEventStream(response.body, event => {
      let job = null;
      try { job = JSON.parse(event.data); } catch { job = null; }
      onEvent(job?.id ? job : null, event.id);
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0); // the connection broke
  }
}

/**
 * An address an <img> (or a player, with accept 'video/*' or 'audio/*') can load: the URL itself, or with a key (they
 * cannot send the header) a blob: URL of the file fetched with it, for the caller to revoke. Throws ApiError.
 */
export async function imageSource(url, accept = 'image/*') {
  if (!state.apiKey || url.startsWith('blob:')) return url;
  const response = await call(url, { headers: headers({ Accept: accept }) });
  return URL.createObjectURL(await response.blob());
}

/** The GET address of the ZIP of these jobs when a plain link can fetch it (no key, not too long); else null. */
export function archiveLink(ids) {
  const url = `/api/download/archive?ids=${ids.join(',')}`;
  return !state.apiKey && url.length <= ARCHIVE_URL_LIMIT ? url : null;
}

/** The ZIP of these jobs, fetched: { blob, name }. */
export const fetchArchive = ids => fetchDownload('/api/download/archive', { jobIds: ids });

/** A download fetched with the key (POSTing json when given): { blob, name }, the name from Content-Disposition. */
export async function fetchDownload(url, json) {
  const response = await call(url, {
    method: json ? 'POST' : 'GET',
    headers: headers(json ? { 'Content-Type': 'application/json', Accept: '*/*' } : { Accept: '*/*' }),
    body: json ? JSON.stringify(json) : undefined,
  });
  return { blob: await response.blob(), name: fileNameOf(response.headers.get('Content-Disposition')) ?? 'download' };
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
