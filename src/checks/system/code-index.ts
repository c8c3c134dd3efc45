import type { Rule } from '../types.js';
import { blockingCallInAsyncHandler } from './blocking-call-in-async-handler.js';
import { clientPerRequest } from './client-per-request.js';
import { envVarRenamed } from './env-var-renamed.js';
import { errorReturnedWith200 } from './error-returned-with-200.js';
import { httpCallWithoutTimeout } from './http-timeout.js';
import { layerViolation } from './layer-violation.js';
import { redisClientWithoutTimeout } from './redis-timeout.js';
import { responseContractChanged } from './response-contract-changed.js';
import { routeRemoved } from './route-removed.js';
import { unboundedQuery } from './unbounded-query.js';
import { vendorSdkSpread } from './vendor-sdk-spread.js';

/** The system rules over application code: failure handling, contracts, boundaries, scalability, lock-in. */
export const SYSTEM_CODE_RULES: readonly Rule[] = [
  httpCallWithoutTimeout,
  redisClientWithoutTimeout,
  routeRemoved,
  responseContractChanged,
  errorReturnedWith200,
  envVarRenamed,
  layerViolation,
  clientPerRequest,
  unboundedQuery,
  blockingCallInAsyncHandler,
  vendorSdkSpread,
];
