// Everything the page keeps track of while it runs, in this one object: the modules read and change it here and share
// nothing else. An item is one file on the page (see createItem in card.js); its job is the server's record of it.

export const state = {
  /** Every file on the page, newest first: the same order as the cards. */
  items: [],
  /** The item of each server job, by job id. */
  byJob: new Map(),
  /** Files waiting to be uploaded, in order. */
  queue: [],
  /** The next item's key, which its card's element ids are made from. */
  nextKey: 1,
  /** Upload requests on their way. */
  uploading: 0,
  /** After a 429 or 503 nothing is sent before `until` (ms since the epoch); `note` tells each waiting card why. */
  pause: { until: 0, note: null, timer: 0 },
  /** Files completed since the last "all done" message. */
  finishedInRun: 0,
  /** GET /api/upload/info has answered; the history has been restored (both wait for a key when the server wants one). */
  infoLoaded: false,
  historyLoaded: false,
  /** What the page knows of the server: limits and formats from GET /api/upload/info, filled in at start. */
  server: {
    maxFileSize: null,
    maxBatchFiles: 5,
    inputFormats: ['JPEG', 'PNG', 'WebP', 'GIF', 'TIFF', 'HEIF/AVIF', 'SVG', 'MP4', 'MOV', 'WebM', 'MKV', 'MP3', 'M4A', 'WAV', 'FLAC', 'Ogg', 'Opus'],
  },
  /** The key sent as X-API-Key with every request; '' for none. */
  apiKey: '',
  /** The stream of all jobs' events (GET /api/events) and the watchdog asking after quiet jobs. */
  feed: {
    controller: null,
    retryTimer: 0,
    watchdog: 0,
    failures: 0,
    lastEventId: null,
    /** Events of jobs whose upload answer has not arrived yet, applied when it does. */
    early: new Map(),
  },
  /** Screen-reader messages waiting to be read out together. */
  announcements: { waiting: [], timer: 0 },
  /** How deep a drag is inside the window (dragenter and dragleave come per element). */
  dragDepth: 0,
  /** Images pasted without a name so far, to number them. */
  pasted: 0,
};
