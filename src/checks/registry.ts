import type { Rule } from './types.js';
import { httpCallWithoutTimeout } from './http-timeout.js';
import { modelLoadInRequestPath } from './model-load.js';
import { newDependencyWithoutAdr } from './new-dependency.js';

/** Every built-in rule, by id. Agents attach rules to their checklist items in their `review.rules` block. */
export const RULES: ReadonlyMap<string, Rule> = new Map(
  [modelLoadInRequestPath, httpCallWithoutTimeout, newDependencyWithoutAdr].map((rule) => [rule.id, rule]),
);
