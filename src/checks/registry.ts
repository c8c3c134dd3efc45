import type { Rule } from './types.js';
import { ML_LIFECYCLE_RULES } from './ml/lifecycle-index.js';
import { ML_SERVING_RULES } from './ml/serving-index.js';
import { SYSTEM_CODE_RULES } from './system/code-index.js';
import { SYSTEM_INFRA_RULES } from './system/infra-index.js';

/** Every built-in rule, by id. Agents attach rules to their checklist items in their `review.rules` block. */
export const RULES: ReadonlyMap<string, Rule> = new Map(
  [...ML_SERVING_RULES, ...ML_LIFECYCLE_RULES, ...SYSTEM_CODE_RULES, ...SYSTEM_INFRA_RULES].map((rule) => [rule.id, rule]),
);
