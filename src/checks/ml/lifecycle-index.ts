import type { Rule } from '../types.js';

/** The ML rules about the model lifecycle: versions, registry, rollout, features, monitoring. */
export const ML_LIFECYCLE_RULES: readonly Rule[] = [];
