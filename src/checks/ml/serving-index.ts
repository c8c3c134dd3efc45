import type { Rule } from '../types.js';
import { batchScoringInOnlineService } from './batch-scoring-in-online-service.js';
import { blockingInferenceInAsyncHandler } from './blocking-inference-in-async-handler.js';
import { healthBeforeModelReady } from './health-before-model-ready.js';
import { modelLoadInRequestPath } from './model-load.js';
import { offlineStoreReadInRequest } from './offline-store-read-in-request.js';
import { predictionWithoutMonitoring } from './prediction-without-monitoring.js';
import { untrustedModelDeserialization } from './untrusted-model-deserialization.js';

/** The ML rules about serving: the request path, inference, health, online features, untrusted input. */
export const ML_SERVING_RULES: readonly Rule[] = [
  modelLoadInRequestPath,
  untrustedModelDeserialization,
  blockingInferenceInAsyncHandler,
  batchScoringInOnlineService,
  healthBeforeModelReady,
  offlineStoreReadInRequest,
  predictionWithoutMonitoring,
];
