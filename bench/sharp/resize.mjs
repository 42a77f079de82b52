// node resize.mjs FILE JOBS CONCURRENCY [same-scale|default] [OUT] -> operations per second of sharp resizing FILE to 720 px
// wide, JPEG q80 (mozjpeg). With "same-scale", sharp decodes the JPEG at the scale libvips's thumbnail (the service) uses:
// fastShrinkOnLoad off, which leaves a factor of two to the reduce (its default decodes 3640 px at 910, not 1820).
// With OUT, the first result is also written there (the bench scores it); OUT ending in .png gets the resize alone, lossless.
import sharp from 'sharp';
import { readFile, writeFile } from 'node:fs/promises';

const [file, jobs, concurrency, sameScale, out] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5] === 'same-scale', process.argv[6]];
sharp.concurrency(1); // one thread per operation, as the service's libvips
sharp.cache(false);
const input = await readFile(file);
const once = () => sharp(input).resize({ width: 720, fastShrinkOnLoad: !sameScale }).jpeg({ quality: 80, mozjpeg: true }).toBuffer();
if (out) await writeFile(out, out.endsWith('.png') ? await sharp(input).resize({ width: 720, fastShrinkOnLoad: !sameScale }).png().toBuffer() : await once());
else await once();
let next = 0;
const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: concurrency }, async () => { while (next++ < jobs) await once(); }));
console.log((jobs / (Number(process.hrtime.bigint() - started) / 1e9)).toFixed(2));
