// Times sharp (libvips) making a web-ready original as thumbdrop's upload
// rules do (original_max, original_format, original_quality): EXIF-rotated,
// fit inside MAX x MAX (never enlarged), encoded as JPEG or WebP (effort 4,
// thumbdrop's method) at QUALITY, the EXIF and ICC profile kept as
// thumbdrop keeps them. One core: one libvips thread.
// Prints one JSON line per file and format with the median of N runs in
// milliseconds and the output's size.
// usage: node sharp-original.mjs RUNS MAX QUALITY FORMATS FILE...   (FORMATS like webp,jpeg)
import sharp from "sharp";
import { readFileSync } from "node:fs";

sharp.concurrency(1);
sharp.cache(false);
const [runs, max, quality] = process.argv.slice(2, 5).map(Number);
const formats = process.argv[5].split(",");
for (const file of process.argv.slice(6)) {
  const data = readFileSync(file);
  for (const format of formats) {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < runs + 1; i++) {
      const t0 = process.hrtime.bigint();
      let s = sharp(data).rotate().resize(max, max, { fit: "inside", withoutEnlargement: true }).keepExif().keepIccProfile();
      s = format === "webp" ? s.webp({ quality, effort: 4 }) : s.jpeg({ quality });
      const out = await s.toBuffer();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i > 0) times.push(ms);
      bytes = out.length;
    }
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({ file, format, median_ms: times[Math.floor(times.length / 2)], bytes }));
  }
}
