// Times sharp (libvips) making the same thumbnails as thumbdrop: fit inside
// 200x200, EXIF-rotated, JPEG quality 80, one thread. Prints one JSON line
// per file with the median of N runs in milliseconds.
// usage: node sharp-thumb.mjs RUNS FILE...
import sharp from "sharp";
import { readFileSync } from "node:fs";

const vmHWM = () => Number((readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+)/) || [])[1] || 0);

sharp.concurrency(1);
sharp.cache(false);
const runs = Number(process.argv[2] || 10);
for (const file of process.argv.slice(3)) {
  const data = readFileSync(file);
  const times = [];
  let out;
  for (let i = 0; i < runs + 1; i++) {
    const t0 = process.hrtime.bigint();
    out = await sharp(data).rotate().resize(200, 200, { fit: "inside", withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i > 0) times.push(ms); // the first run warms up
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ file, median_ms: times[Math.floor(times.length / 2)], width: out.info.width, height: out.info.height, bytes: out.info.size, vmhwm_kb: vmHWM() }));
}
