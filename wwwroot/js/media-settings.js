// The "Video and audio" part of the settings panel: the format, codec, quality, frame rate and sound of videos and songs,
// remembered apart from the image choices. The largest size and metadata fields above are shared (settings.js adds them).
// Defaults come from GET /api/process/settings/video and /audio, asked when the part is first opened: until then the
// built-in ones (the same as the server's) serve, and a page load costs no extra requests under the rate limits.

import { ApiError, getMediaDefaults } from './api.js';

const STORAGE = 'fileoptimizer.mediaSettings';
/** What the server answers when it cannot be asked: quality 70 maps to each encoder's recommended rate. */
const FALLBACK = {
  quality: 70,
  videoCodecs: { mp4: ['h264', 'hevc', 'av1'], webm: ['vp9', 'av1'] },
};
const CODEC_LABELS = {
  h264: 'H.264: plays everywhere',
  hevc: 'HEVC: smaller, fewer players',
  av1: 'AV1: smallest, slowest',
  vp9: 'VP9',
};
/** Whole numbers the API takes: [smallest, largest]. */
const RANGES = { maxFps: [1, 240, 'frames a second'], audioBitrate: [16, 512, 'kbit/s'] };

const $ = id => document.getElementById(id);

export class MediaSettings {
  constructor(changed) {
    this.section = $('media-settings');
    this.videoFormat = $('video-format');
    this.videoCodec = $('video-codec');
    this.audioFormat = $('audio-format');
    this.lossless = $('audio-lossless');
    this.quality = $('media-quality');
    this.qualityValue = $('media-quality-value');
    this.maxFps = $('max-fps');
    this.audioBitrate = $('audio-bitrate');
    this.removeAudio = $('remove-audio');
    this.defaults = { ...FALLBACK };
    this.codecChoice = 'h264';
    this.loaded = false;

    const update = () => {
      this.save();
      changed();
    };
    this.videoFormat.addEventListener('change', () => {
      this.fillCodecs();
      update();
    });
    this.videoCodec.addEventListener('change', () => {
      this.codecChoice = this.videoCodec.value;
      update();
    });
    for (const input of [this.audioFormat, this.lossless, this.removeAudio]) input.addEventListener('change', update);
    for (const input of [this.quality, this.maxFps, this.audioBitrate]) input.addEventListener('input', update);
    this.section.addEventListener('toggle', () => {
      if (this.section.open && !this.loaded) this.load();
    });
    this.apply(this.saved());
  }

  /** Shows the part when the server takes video and audio (it has ffmpeg), hides it otherwise. */
  offer(available) {
    this.section.hidden = !available;
  }

  /** The server's defaults for videos and songs, then the choices this browser remembered. */
  async load() {
    this.loaded = true;
    let video;
    let audio;
    try {
      [video, audio] = await Promise.all([getMediaDefaults('video'), getMediaDefaults('audio')]);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.loaded = false; // no answer, or no key yet: asked again when opened next
      return;
    }
    this.defaults = {
      quality: Number.isInteger(video.quality) ? video.quality : FALLBACK.quality,
      videoCodecs: video.videoCodecs ?? FALLBACK.videoCodecs,
      videoFormat: video.format,
      audioFormat: audio?.format,
    };
    this.apply(this.saved());
  }

  reset() {
    localStorage.removeItem(STORAGE);
    this.apply({});
  }

  apply(values) {
    choose(this.videoFormat, values.videoFormat ?? this.defaults.videoFormat);
    this.codecChoice = values.videoCodec ?? 'h264';
    this.fillCodecs();
    choose(this.audioFormat, values.audioFormat ?? this.defaults.audioFormat);
    this.lossless.checked = values.lossless === true;
    this.quality.value = String(Number.isInteger(values.quality) ? values.quality : this.defaults.quality);
    this.maxFps.value = values.maxFps ?? '';
    this.audioBitrate.value = values.audioBitrate ?? '';
    this.removeAudio.checked = values.removeAudio === true;
    this.refresh(this.errors());
  }

  /** The codecs the chosen container takes; "same as the original" leaves the codec to the container (H.264 or VP9). */
  fillCodecs() {
    const codecs = this.defaults.videoCodecs[this.videoFormat.value];
    if (!codecs) {
      this.videoCodec.replaceChildren(new Option('Automatic: H.264 in MP4, VP9 in WebM', ''));
      this.videoCodec.disabled = true;
      return;
    }
    this.videoCodec.replaceChildren(...codecs.map(codec => new Option(CODEC_LABELS[codec] ?? codec.toUpperCase(), codec)));
    this.videoCodec.disabled = false;
    this.videoCodec.value = codecs.includes(this.codecChoice) ? this.codecChoice : codecs[0];
  }

  /** The settings of one family ('video' or 'audio'), with the shared fields given; absent values mean the server's preset. */
  current(family, shared) {
    const settings = { quality: Number(this.quality.value), stripMetadata: shared.stripMetadata };
    const bitrate = this.audioBitrate.value.trim();
    if (bitrate) settings.audioBitrate = Number(bitrate);
    if (family === 'audio') {
      settings.format = this.audioFormat.value;
      if (this.lossless.checked && settings.format === 'original') settings.lossless = true;
      return settings;
    }
    settings.format = this.videoFormat.value;
    if (!this.videoCodec.disabled) settings.videoCodec = this.videoCodec.value;
    const fps = this.maxFps.value.trim();
    if (fps) settings.maxFps = Number(fps);
    if (this.removeAudio.checked) settings.removeAudio = true;
    if (shared.maxWidth) settings.maxWidth = shared.maxWidth;
    if (shared.maxHeight) settings.maxHeight = shared.maxHeight;
    return settings;
  }

  saved() {
    try {
      const values = JSON.parse(localStorage.getItem(STORAGE) ?? 'null');
      return values && typeof values === 'object' ? values : {};
    } catch {
      return {};
    }
  }

  save() {
    localStorage.setItem(STORAGE, JSON.stringify({
      videoFormat: this.videoFormat.value,
      videoCodec: this.codecChoice,
      audioFormat: this.audioFormat.value,
      lossless: this.lossless.checked,
      quality: Number(this.quality.value),
      maxFps: this.maxFps.value.trim() ? Number(this.maxFps.value) : null,
      audioBitrate: this.audioBitrate.value.trim() ? Number(this.audioBitrate.value) : null,
      removeAudio: this.removeAudio.checked,
    }));
  }

  /** The browser's checks of the number fields of one family (both when none is given). */
  errors(family = null) {
    const errors = {};
    for (const [field, input] of [['maxFps', this.maxFps], ['audioBitrate', this.audioBitrate]]) {
      if (family === 'audio' && field === 'maxFps') continue;
      const [least, most, unit] = RANGES[field];
      const text = input.value.trim();
      if (input.validity.badInput || (text && !/^\d+$/.test(text)) || (text && (Number(text) < least || Number(text) > most))) {
        errors[field] = [`Must be a whole number from ${least} to ${most} ${unit}, or empty for automatic.`];
      }
    }
    return errors;
  }

  /** Shows the quality and each field's message (errors: the panel's, which include these). */
  refresh(errors) {
    this.qualityValue.value = this.quality.value;
    for (const [field, input] of [['maxFps', this.maxFps], ['audioBitrate', this.audioBitrate]]) {
      const text = (errors[field] ?? []).join(' ');
      const message = $(`${field}-error`);
      message.textContent = text;
      message.hidden = !text;
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    this.lossless.disabled = this.audioFormat.value !== 'original';
  }
}

function choose(select, value) {
  const wanted = String(value ?? 'original').toLowerCase();
  select.value = [...select.options].some(option => option.value === wanted) ? wanted : 'original';
}
