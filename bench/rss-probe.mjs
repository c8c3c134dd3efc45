// Preloaded into the benchmarked child with `node --import`: on exit, writes the process's peak
// resident set size (process.resourceUsage().maxRSS, in kilobytes) to the file BENCH_RSS_FILE names.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
