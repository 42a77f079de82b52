// The API key field under Settings: it appears when the server answers 401; a key given there goes with every request.

import { state } from './state.js';
import { apiEvents, hasKey, keyRemembered, setKey } from './api.js';

const $ = id => document.getElementById(id);
const panel = $('settings-panel');
const field = $('api-key-field');
const input = $('api-key');
const remember = $('api-key-remember');
const status = $('api-key-status');
const save = $('api-key-save');

/** Shows a key kept from before, asks for one whenever the server answers 401, and calls onKey() when one is given. */
export function setUpKeyField(onKey) {
  if (hasKey()) {
    field.hidden = false;
    input.value = state.apiKey;
    remember.checked = keyRemembered();
  }
  apiEvents.addEventListener('unauthorized', askForKey);
  save.addEventListener('click', () => {
    setKey(input.value, remember.checked);
    status.textContent = '';
    onKey();
  });
  input.addEventListener('keydown', event => {
    if (event.key === 'Enter') {
      event.preventDefault();
      save.click();
    }
  });
}

function askForKey() {
  if (!field.hidden && status.textContent) return;
  field.hidden = false;
  panel.open = true;
  status.textContent = hasKey() ? 'The server did not accept this API key. Check it and try again.' : 'This server needs an API key.';
  if (!field.contains(document.activeElement)) input.focus();
}
