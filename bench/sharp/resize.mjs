// node resize.mjs FILE JOBS CONCURRENCY [OUT] -> operations per second of sharp resizing FILE to 720 px wide, JPEG q80
// (mozjpeg), with sharp's defaults (a JPEG is decoded at the largest of 1/2, 1/4, 1/8 that leaves at least 1 to the reduce).
// With OUT, the first result is also written there (the bench scores it).
import sharp from 'sharp';
import { readFile, writeFile } from 'node:fs/promises';

const [file, jobs, concurrency, out] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
sharp.concurrency(1); // one thread per operation, as the service's libvips
sharp.cache(false);
const input = await readFile(file);
const once = () => sharp(input).resize({ width: 720 }).jpeg({ quality: 80, mozjpeg: true }).toBuffer();
if (out) await writeFile(out, await once());
else await once();
let next = 0;
const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: concurrency }, async () => { while (next++ < jobs) await once(); }));
console.log((jobs / (Number(process.hrtime.bigint() - started) / 1e9)).toFixed(2));
