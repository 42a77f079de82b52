// Numbers and names as a person reads them. Sizes use decimal units (1 KB = 1000 bytes), as the server's messages do.

const FORMAT_NAMES = {
  jpeg: 'JPEG', png: 'PNG', webp: 'WebP', gif: 'GIF', tiff: 'TIFF', heif: 'HEIF', avif: 'AVIF', svg: 'SVG', svgz: 'SVGZ',
  webm: 'WebM', mpegts: 'MPEG-TS', ogg: 'Ogg Vorbis', opus: 'Opus',
};
/** ffprobe's codec names as people know them; others are shown in capitals. */
const CODEC_NAMES = {
  h264: 'H.264', hevc: 'HEVC', av1: 'AV1', vp9: 'VP9', vp8: 'VP8', mpeg4: 'MPEG-4', aac: 'AAC', opus: 'Opus', mp3: 'MP3',
  flac: 'FLAC', vorbis: 'Vorbis',
};

/** Output formats that stay shapes (SVG, and SVG compressed with gzip). */
export const isVector = format => format === 'svg' || format === 'svgz';

export function formatName(format) {
  if (!format) return '';
  return FORMAT_NAMES[String(format).toLowerCase()] ?? String(format).toUpperCase();
}

export function codecName(codec) {
  if (!codec) return '';
  const name = String(codec).toLowerCase();
  return CODEC_NAMES[name] ?? (name.startsWith('pcm_') ? 'PCM' : name.toUpperCase());
}

/** A video's or a song's length as players show it: "0:02", "3:05", "1:02:03". */
export function clock(totalSeconds) {
  if (totalSeconds == null || !Number.isFinite(totalSeconds)) return '';
  const whole = Math.max(0, Math.round(totalSeconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

export function bytes(value) {
  if (value == null || !Number.isFinite(value)) return '';
  if (value < 1000) return `${value} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let amount = value / 1000;
  let unit = 0;
  while (amount >= 1000 && unit < units.length - 1) {
    amount /= 1000;
    unit++;
  }
  const digits = amount >= 100 ? 0 : 1;
  return `${amount.toFixed(digits).replace(/\.0$/, '')} ${units[unit]}`;
}

export function percent(value) {
  if (value == null || !Number.isFinite(value)) return '';
  const rounded = value >= 10 || value === 0 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded} %`;
}

export function dimensions(width, height) {
  return width && height ? `${width} × ${height}` : '';
}

export function seconds(value) {
  if (value == null || !Number.isFinite(value)) return '';
  if (value < 1) return 'less than a second';
  if (value < 60) return `${Math.round(value)} s`;
  const minutes = Math.floor(value / 60);
  const rest = Math.round(value % 60);
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}

/** Time left, as said aloud: "less than a second", "about 5 seconds", "about a minute", "about 2 minutes". */
export function eta(value) {
  if (value == null || !Number.isFinite(value)) return '';
  if (value < 1) return 'less than a second';
  const about = (amount, unit) => (amount === 1 ? `about a${unit === 'hour' ? 'n' : ''} ${unit}` : `about ${amount} ${unit}s`);
  if (Math.round(value) < 60) return about(Math.round(value), 'second');
  if (Math.round(value / 60) < 60) return about(Math.round(value / 60), 'minute');
  return about(Math.round(value / 3600), 'hour');
}

export function duration(milliseconds) {
  if (milliseconds == null || !Number.isFinite(milliseconds)) return '';
  return milliseconds < 1000 ? `${Math.max(1, Math.round(milliseconds))} ms` : `${(milliseconds / 1000).toFixed(1)} s`;
}

/** "a, b and c" */
export function list(items) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
