// Screen-reader messages, gathered for a moment so that a batch finishing at once is one message, not fifty.

import { state } from './state.js';

const announcer = document.getElementById('announcer');

export function announce(text, summary = false) {
  state.announcements.waiting.push({ text, summary });
  if (!state.announcements.timer) state.announcements.timer = setTimeout(flush, 700);
}

/** Up to three messages are read in full; beyond that, two and a count. A summary ("All files are done") is always read. */
function flush() {
  state.announcements.timer = 0;
  const waiting = state.announcements.waiting.splice(0);
  const texts = waiting.filter(message => !message.summary).map(message => message.text);
  const summaries = waiting.filter(message => message.summary).map(message => message.text);
  if (!texts.length && !summaries.length) return;
  const updates = texts.length > 3 ? [...texts.slice(0, 2), `And ${texts.length - 2} more updates.`] : texts;
  announcer.textContent = [...updates, ...summaries].join(' ');
}
