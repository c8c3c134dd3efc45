// Preloaded into the benchmarked child with `node --import`: on exit, writes to the file BENCH_RSS_FILE
// names the process's peak resident set size (process.resourceUsage().maxRSS, in kilobytes) and its
// user and system CPU time (microseconds, every thread of the process), separated by spaces.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.BENCH_RSS_FILE;
  if (!file) return;
  const usage = process.resourceUsage();
  writeFileSync(file, `${usage.maxRSS} ${usage.userCPUTime} ${usage.systemCPUTime}`);
});
