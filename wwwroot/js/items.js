// What state a file on the page is in. An item's phase is 'pending', 'uploading' or 'error' (before its job exists,
// or when it has none) or 'server', where its job's status says the rest.

import { state } from './state.js';

export const FINISHED = new Set(['completed', 'failed', 'cancelled']);
const RANK = { waiting: 0, queued: 1, processing: 2, paused: 2, completed: 3, failed: 3, cancelled: 3 };

/** Its job is on the server and not finished yet. */
export const isRunning = item => item.phase === 'server' && !FINISHED.has(item.job.status);

/** Its job completed: a result to show and download. */
export const isDone = item => item.phase === 'server' && item.job.status === 'completed';

/** Nothing more will happen to it by itself: done, failed, cancelled, or not sent. */
export const isFinished = item => item.phase === 'error' || (item.phase === 'server' && FINISHED.has(item.job.status));

/** Still waiting to go, or going. */
export const isSending = item => item.phase === 'pending' || item.phase === 'uploading';

export const hasActive = () => state.items.some(isRunning);

/** True when a job snapshot is older than the one shown (events and status answers may cross). */
export function isOlder(next, current) {
  const attempts = (next.attempts ?? 0) - (current.attempts ?? 0);
  if (attempts) return attempts < 0;
  const rank = (RANK[next.status] ?? 0) - (RANK[current.status] ?? 0);
  if (rank) return rank < 0;
  return !FINISHED.has(next.status) && (next.progress ?? 0) < (current.progress ?? 0);
}
