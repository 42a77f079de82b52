// Talking to the FileOptimizer API: every call sends the API key when there is one, every failure becomes a sentence.

import { bytes, list } from './format.js';

const KEY_STORAGE = 'fileoptimizer.apiKey';

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? null;
    this.retryAfter = retryAfter ?? null;
  }
}

/** What the page knows of the server: limits and formats from GET /api/upload/info, filled in at start. */
export const server = {
  maxFileSize: null,
  maxBatchFiles: 5,
  inputFormats: ['JPEG', 'PNG', 'WebP', 'GIF', 'TIFF', 'HEIF/AVIF', 'SVG'],
};

export const api = {
  key: sessionStorage.getItem(KEY_STORAGE) ?? localStorage.getItem(KEY_STORAGE) ?? '',

  /** Called with every 401 answer, so the page can ask for a key. */
  onUnauthorized: () => {},

  setKey(key, remember) {
    this.key = key.trim();
    sessionStorage.removeItem(KEY_STORAGE);
    localStorage.removeItem(KEY_STORAGE);
    if (this.key) (remember ? localStorage : sessionStorage).setItem(KEY_STORAGE, this.key);
  },

  headers(extra = {}) {
    const headers = { Accept: 'application/json', ...extra };
    if (this.key) headers['X-API-Key'] = this.key;
    return headers;
  },

  /** fetch with the key; answers { status, data, headers } for 2xx, throws ApiError otherwise (status 0: no answer). */
  async request(method, url, { json, body, headers, signal } = {}) {
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: this.headers(json === undefined ? headers : { 'Content-Type': 'application/json', ...headers }),
        body: json === undefined ? body : JSON.stringify(json),
        signal,
        cache: 'no-store',
      });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new ApiError(0, null);
    }
    const data = await readJson(response);
    if (!response.ok) {
      if (response.status === 401) this.onUnauthorized();
      throw new ApiError(response.status, data, retryAfter(response.headers.get('Retry-After')));
    }
    return { status: response.status, data, headers: response.headers };
  },

  get(url, options) { return this.request('GET', url, options); },
  post(url, options) { return this.request('POST', url, options); },
  delete(url, options) { return this.request('DELETE', url, options); },

  /**
   * A multipart upload through XMLHttpRequest, the one browser API that reports upload progress.
   * Resolves with { status, data } for 2xx and rejects with ApiError otherwise.
   */
  upload(url, form, onProgress) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', url);
      for (const [name, value] of Object.entries(this.headers())) request.setRequestHeader(name, value);
      request.responseType = 'text';
      request.upload.addEventListener('progress', event => {
        if (event.lengthComputable) onProgress?.(event.loaded, event.total);
      });
      request.addEventListener('load', () => {
        let data = null;
        try { data = request.responseText ? JSON.parse(request.responseText) : null; } catch { data = null; }
        if (request.status >= 200 && request.status < 300) {
          resolve({ status: request.status, data });
          return;
        }
        if (request.status === 401) this.onUnauthorized();
        reject(new ApiError(request.status, data, retryAfter(request.getResponseHeader('Retry-After'))));
      });
      request.addEventListener('error', () => reject(new ApiError(0, null)));
      request.addEventListener('abort', () => reject(new ApiError(0, null)));
      request.send(form);
    });
  },
};

async function readJson(response) {
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') ?? '';
  if (!type.includes('json')) return null;
  try { return await response.json(); } catch { return null; }
}

function retryAfter(value) {
  if (!value) return null;
  const number = Number(value);
  if (Number.isFinite(number)) return Math.max(1, Math.min(number, 3600));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(1, Math.round((date - Date.now()) / 1000)) : null;
}

/** The sentence a person sees for a failed upload or action. */
export function describeError(error) {
  const status = error?.status ?? 0;
  const problem = error?.problem;
  const detail = problem?.detail ? ` ${problem.detail}` : '';
  switch (status) {
    case 0:
      return 'The server could not be reached. Check the connection, then retry.';
    case 400:
      if (problem?.errors) {
        const parts = Object.entries(problem.errors).map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`);
        return `The server did not accept the request. ${parts.join(' ')}`;
      }
      return `The server did not accept the request.${detail}`;
    case 401:
      return 'This server needs an API key. Enter it under Settings, then retry.';
    case 403:
      return 'This API key is not allowed to do that.';
    case 404:
      return 'The server no longer has this file. Results are deleted after a while; add the file again.';
    case 409:
      return `That is not possible in this state.${detail}`;
    case 413:
      return server.maxFileSize
        ? `This file is too large. The server accepts files up to ${bytes(server.maxFileSize)}.`
        : `This file is too large for the server.${detail}`;
    case 415:
      return `This is not an image FileOptimizer can read. It accepts ${list(server.inputFormats)}.`;
    case 422:
      return `This image cannot be processed.${detail}`;
    case 429:
      return `The server has had too many requests from this computer. Try again in ${error.retryAfter ?? 'a few'} seconds.`;
    case 503:
      return `The server is busy right now (its queue is full). Try again in ${error.retryAfter ?? 'a few'} seconds.`;
    default:
      return status >= 500
        ? 'Something went wrong on the server. Try again later.'
        : `The request failed (HTTP ${status}).${detail}`;
  }
}

/**
 * Reads a text/event-stream answer with fetch, so the API key header can be sent (EventSource cannot send headers).
 * Calls onEvent({ type, data, id }) per event; resolves when the stream ends. Throws ApiError for a non-2xx answer.
 */
export async function readEvents(url, { lastEventId, signal, onOpen, onEvent }) {
  let response;
  try {
    response = await fetch(url, {
      headers: api.headers({ Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) }),
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, null);
  }
  if (!response.ok || !response.body) {
    const data = await readJson(response);
    if (response.status === 401) api.onUnauthorized();
    throw new ApiError(response.status, data, retryAfter(response.headers.get('Retry-After')));
  }
  onOpen?.();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let data = [];
  let type = '';
  let id = null;
  const dispatch = () => {
    if (data.length) onEvent({ type: type || 'message', data: data.join('\n'), id });
    data = [];
    type = '';
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') { dispatch(); continue; }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let text = colon < 0 ? '' : line.slice(colon + 1);
      if (text.startsWith(' ')) text = text.slice(1);
      if (field === 'data') data.push(text);
      else if (field === 'event') type = text;
      else if (field === 'id') id = text;
    }
  }
}
