// Times sharp (libvips) making thumbnails of many files at once, as
// thumbdrop's 'thumbnail' command does: CONCURRENCY files in flight, one
// libvips thread each (run with UV_THREADPOOL_SIZE=CONCURRENCY). Prints
// the median wall time of RUNS passes over FILE..., in milliseconds.
// usage: node sharp-many.mjs RUNS CONCURRENCY FILE...
import sharp from "sharp";
import { readFileSync } from "node:fs";

sharp.concurrency(1);
sharp.cache(false);
const runs = Number(process.argv[2] || 7);
const concurrency = Number(process.argv[3] || 1);
const data = process.argv.slice(4).map((f) => readFileSync(f));
const one = (b) => sharp(b).rotate().resize(200, 200, { fit: "inside", withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
const times = [];
for (let r = 0; r < runs + 1; r++) {
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < data.length) await one(data[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r > 0) times.push(ms);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ files: data.length, concurrency, median_ms: times[Math.floor(times.length / 2)] }));
