// Times sharp (libvips) making the same responsive set as thumbdrop from one
// input: a thumbnail inside 200x200 and copies at each width (never
// enlarged), each as JPEG quality 80 and as WebP quality 80 (effort 4, the
// same as thumbdrop's), EXIF-rotated, one clone() per output. One core:
// libvips runs one thread and the outputs are made one after another.
// Prints one JSON line per file with the median of N runs in milliseconds.
// usage: node sharp-set.mjs RUNS WIDTHS FILE...   (WIDTHS like 640,1280)
import sharp from "sharp";
import { readFileSync } from "node:fs";

sharp.concurrency(1);
sharp.cache(false);
const runs = Number(process.argv[2] || 10);
const widths = process.argv[3].split(",").map(Number);
for (const file of process.argv.slice(4)) {
  const data = readFileSync(file);
  const times = [];
  let total = 0, count = 0;
  for (let i = 0; i < runs + 1; i++) {
    const t0 = process.hrtime.bigint();
    const src = sharp(data).rotate();
    const outs = [];
    const sized = [src.clone().resize(200, 200, { fit: "inside", withoutEnlargement: true })];
    for (const w of widths) sized.push(src.clone().resize(w, null, { withoutEnlargement: true }));
    for (const s of sized) {
      outs.push(await s.clone().jpeg({ quality: 80 }).toBuffer());
      outs.push(await s.clone().webp({ quality: 80, effort: 4 }).toBuffer());
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i > 0) times.push(ms);
    total = outs.reduce((a, b) => a + b.length, 0);
    count = outs.length;
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ file, median_ms: times[Math.floor(times.length / 2)], objects: count, bytes: total }));
}
