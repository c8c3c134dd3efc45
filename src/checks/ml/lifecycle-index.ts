import type { Rule } from '../types.js';
import { featureRemovedFromFeatureView } from './feature-removed-from-feature-view.js';
import { modelOverwrittenInPlace } from './model-overwritten-in-place.js';
import { modelRegisteredWithoutGate } from './model-registered-without-gate.js';
import { rolloutWithoutTrafficSplit } from './rollout-without-traffic-split.js';
import { servingWithoutLatencyBudget } from './serving-without-latency-budget.js';
import { trainingServingSkew } from './training-serving-skew.js';
import { unversionedModelArtifact } from './unversioned-model-artifact.js';

/** The ML rules about the model lifecycle: versions, registry, rollout, features, monitoring. */
export const ML_LIFECYCLE_RULES: readonly Rule[] = [
  unversionedModelArtifact,
  modelOverwrittenInPlace,
  trainingServingSkew,
  featureRemovedFromFeatureView,
  rolloutWithoutTrafficSplit,
  servingWithoutLatencyBudget,
  modelRegisteredWithoutGate,
];
