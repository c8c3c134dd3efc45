import type { Rule } from '../types.js';
import { httpCallWithoutTimeout } from './http-timeout.js';

/** The system rules over application code: failure handling, contracts, boundaries, scalability. */
export const SYSTEM_CODE_RULES: readonly Rule[] = [httpCallWithoutTimeout];
