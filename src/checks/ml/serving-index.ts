import type { Rule } from '../types.js';
import { modelLoadInRequestPath } from './model-load.js';

/** The ML rules about serving: the request path, inference, health, online features, untrusted input. */
export const ML_SERVING_RULES: readonly Rule[] = [modelLoadInRequestPath];
