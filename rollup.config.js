// Bundles the action (dist/index.js) and the CLI (dist/cli.js), each a single ESM file with every
// dependency inlined. inlineDynamicImports: the Anthropic SDK loads parts of itself with import().
import commonjs from '@rollup/plugin-commonjs';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';

const bundle = (input, file, banner) => ({
  input,
  output: { file, format: 'es', sourcemap: false, inlineDynamicImports: true, ...(banner ? { banner } : {}) },
  plugins: [
    typescript({ tsconfig: './tsconfig.build.json', noEmitOnError: true, outDir: undefined }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
    commonjs(),
    json(),
  ],
  onwarn(warning, warn) {
    // @actions/core and some Octokit packages use `this` at the top level of ESM; harmless.
    if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return;
    warn(warning);
  },
});

export default [
  bundle('src/index.ts', 'dist/index.js'),
  bundle('src/cli.ts', 'dist/cli.js', '#!/usr/bin/env node'),
];
