// Builds the action and the CLI like rollup.config.js, but into BENCH_OUT (default .bench/candidate),
// so a benchmark A/B never touches dist/:
//   BENCH_OUT=.bench/base npx rollup --config bench/rollup.candidate.config.js --silent
//   BENCH_ACTION=.bench/base/index.js npm run bench   (or npx vitest run --config bench/vitest.config.ts)
import configs from '../rollup.config.js';

const out = process.env.BENCH_OUT ?? '.bench/candidate';

export default configs.map((config) => ({
  ...config,
  output: { ...config.output, file: config.output.file.replace(/^dist\//, `${out}/`) },
}));
