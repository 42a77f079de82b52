// The settings panel: defaults from the server, choices remembered in localStorage, invalid values explained by
// POST /api/process/validate-settings (after the browser's own checks). Images take the fields above the "Video and
// audio" part (media-settings.js); videos and songs take that part plus the largest size and metadata fields.

import { ApiError, validateSettings } from './api.js';
import { formatName } from './format.js';
import { MediaSettings } from './media-settings.js';

const STORAGE = 'fileoptimizer.settings';
const FALLBACK_DEFAULTS = { format: 'original', quality: null, maxWidth: null, maxHeight: null, stripMetadata: true };
const FIELDS = ['format', 'quality', 'target', 'maxWidth', 'maxHeight', 'stripMetadata'];
/** The image fields that also apply to videos and songs. */
const SHARED = ['maxWidth', 'maxHeight', 'stripMetadata'];
/** The target names the page offers, by the SSIMULACRA2 score the server answers with. */
const TARGETS = { 90: 'visually-lossless', 85: 'excellent', 80: 'high', 70: 'good' };

const $ = id => document.getElementById(id);

class SettingsPanel {
  constructor() {
    this.form = $('settings-form');
    this.format = $('format');
    this.quality = $('quality');
    this.qualityAuto = $('quality-auto');
    this.qualityValue = $('quality-value');
    this.target = $('target');
    this.maxWidth = $('max-width');
    this.maxHeight = $('max-height');
    this.strip = $('strip-metadata');
    this.summary = $('settings-summary');
    this.defaults = { ...FALLBACK_DEFAULTS };
    this.serverErrors = {};
    this.validateTimer = 0;
    this.validation = null;

    const changed = () => {
      this.save();
      this.refresh();
      this.scheduleValidation();
    };
    this.media = new MediaSettings(changed);
    this.form.addEventListener('submit', event => event.preventDefault());
    this.format.addEventListener('change', changed);
    this.target.addEventListener('change', changed);
    this.quality.addEventListener('input', () => {
      this.qualityAuto.checked = false;
      changed();
    });
    this.qualityAuto.addEventListener('change', changed);
    for (const input of [this.maxWidth, this.maxHeight]) input.addEventListener('input', changed);
    this.strip.addEventListener('change', changed);
    $('reset-settings').addEventListener('click', () => {
      localStorage.removeItem(STORAGE);
      this.media.reset();
      this.apply(this.defaults);
      changed();
    });
  }

  /**
   * Adds SVG and SVGZ to the format menu when the server reads SVG and writes it back: they apply to SVG uploads only
   * (the server refuses them for a photo, and the card says so).
   */
  offerVectorOutputs(formats) {
    if (!formats.input.includes('svg')) return;
    const offered = [['svg', 'SVG: drawings stay vector (SVG uploads only)'], ['svgz', 'SVGZ: SVG compressed with gzip (SVG uploads only)']];
    for (const [value, text] of offered) {
      if (formats.output.includes(value) && ![...this.format.options].some(option => option.value === value)) this.format.add(new Option(text, value));
    }
  }

  /** Takes the server's defaults (none: the built-in ones, until it answers), then the choices this browser remembered. */
  load(serverDefaults = null) {
    if (serverDefaults) this.defaults = { ...FALLBACK_DEFAULTS, ...pick(serverDefaults) };
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(STORAGE) ?? 'null'); } catch { saved = null; }
    this.apply({ ...this.defaults, ...(saved && typeof saved === 'object' ? pick(saved) : {}) });
    this.refresh();
    this.scheduleValidation(0);
  }

  apply(values) {
    const format = String(values.format ?? 'original').toLowerCase();
    this.format.value = [...this.format.options].some(option => option.value === format) ? format : 'original';
    const quality = Number.isInteger(values.quality) ? values.quality : null;
    this.qualityAuto.checked = quality === null;
    this.quality.value = String(quality ?? 80);
    const target = typeof values.target === 'string' ? values.target : TARGETS[values.target];
    this.target.value = [...this.target.options].some(option => option.value === target) ? target : 'high';
    this.maxWidth.value = values.maxWidth ?? '';
    this.maxHeight.value = values.maxHeight ?? '';
    this.strip.checked = values.stripMetadata !== false;
    this.serverErrors = {};
  }

  /** The settings object the API takes for a family's files; absent values mean "the server's preset". */
  current(family = 'image') {
    const settings = { format: this.format.value, stripMetadata: this.strip.checked };
    if (this.qualityAuto.checked) settings.target = this.target.value;
    else settings.quality = Number(this.quality.value);
    const width = this.maxWidth.value.trim();
    const height = this.maxHeight.value.trim();
    if (width) settings.maxWidth = Number(width);
    if (height) settings.maxHeight = Number(height);
    return family === 'image' ? settings : this.media.current(family, settings);
  }

  save() {
    localStorage.setItem(STORAGE, JSON.stringify({ ...this.current(), quality: this.qualityAuto.checked ? null : Number(this.quality.value) }));
  }

  /** Messages per field of a family's settings: the browser's checks, then what the server said of the same values. */
  errors(family = 'image') {
    const errors = {};
    for (const [key, input] of [['maxWidth', this.maxWidth], ['maxHeight', this.maxHeight]]) {
      const text = input.value.trim();
      if (input.validity.badInput || (text && !/^\d+$/.test(text))) errors[key] = ['Must be a whole number of pixels, or empty for no limit.'];
      else if (text && (Number(text) < 1 || Number(text) > 65535)) errors[key] = ['Must be from 1 to 65535 pixels, or empty for no limit.'];
    }
    const all = { ...this.serverErrors, ...errors };
    if (family === 'image') return all;
    return { ...Object.fromEntries(Object.entries(all).filter(([field]) => SHARED.includes(field))), ...this.media.errors(family) };
  }

  isValid(family = 'image') { return Object.keys(this.errors(family)).length === 0; }

  /** A sentence listing what is wrong, for a file of this family that could not be sent. */
  problemText(family = 'image') {
    const errors = this.errors(family);
    return Object.entries(errors).map(([field, messages]) => `${label(field)}: ${messages.join(' ')}`).join(' ');
  }

  refresh() {
    const automatic = `Automatic (${this.target.options[this.target.selectedIndex].text.split(':')[0].toLowerCase()})`;
    this.target.disabled = !this.qualityAuto.checked;
    this.qualityValue.value = this.qualityAuto.checked ? automatic : this.quality.value;
    this.quality.setAttribute('aria-valuetext', this.qualityAuto.checked ? automatic : this.quality.value);
    const errors = this.errors();
    for (const field of FIELDS) {
      const message = $(`${field}-error`);
      if (!message) continue;
      const text = (errors[field] ?? []).join(' ');
      message.textContent = text;
      message.hidden = !text;
      const input = { format: this.format, quality: this.quality, maxWidth: this.maxWidth, maxHeight: this.maxHeight, stripMetadata: this.strip }[field];
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    const other = Object.entries(errors).filter(([field]) => !FIELDS.includes(field));
    const general = $('settings-error');
    general.textContent = other.map(([field, messages]) => `${label(field)}: ${messages.join(' ')}`).join(' ');
    general.hidden = other.length === 0;
    this.media.refresh(this.media.errors());

    const settings = this.current();
    const parts = [settings.format === 'original' ? 'Same format' : formatName(settings.format)];
    parts.push(settings.quality ? `quality ${settings.quality}` : 'automatic quality');
    if (settings.maxWidth || settings.maxHeight) parts.push(`fit ${settings.maxWidth ?? 'any'} × ${settings.maxHeight ?? 'any'}`);
    if (!settings.stripMetadata) parts.push('metadata kept');
    this.summary.textContent = parts.join(' · ');
  }

  scheduleValidation(delay = 300) {
    clearTimeout(this.validateTimer);
    this.validateTimer = setTimeout(() => this.validate(), delay);
  }

  /** Asks the server; its 400 names each wrong field. Resolves to true when the settings are fine. */
  async validate() {
    clearTimeout(this.validateTimer);
    const local = this.errors();
    for (const key of Object.keys(this.serverErrors)) delete local[key];
    if (Object.keys(local).length) {
      this.refresh();
      return this.isValid();
    }
    const settings = this.current();
    const request = JSON.stringify(settings);
    if (this.validation?.request === request) return this.validation.promise;
    const promise = (async () => {
      try {
        await validateSettings(settings);
        if (this.validation?.request === request) this.serverErrors = {};
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.fieldErrors) {
          if (this.validation?.request === request) this.serverErrors = error.fieldErrors;
        } else if (this.validation?.request === request) {
          this.validation = null; // no answer, or no key yet: ask again next time
        }
      }
      this.refresh();
      return this.isValid();
    })();
    this.validation = { request, promise };
    return promise;
  }
}

function pick(values) {
  const result = {};
  for (const field of FIELDS) if (field in values) result[field] = values[field];
  return result;
}

function label(field) {
  return {
    format: 'Output format', quality: 'Quality', maxWidth: 'Maximum width', maxHeight: 'Maximum height', stripMetadata: 'Metadata',
    maxFps: 'Largest frame rate', audioBitrate: 'Sound bitrate',
  }[field] ?? field;
}

/** The page's one settings panel. */
export const settings = new SettingsPanel();
