import type { Rule } from '../types.js';
import { devServerInProduction } from './dev-server-in-production.js';
import { imageTagNotPinned } from './image-tag-not-pinned.js';
import { k8sImmutableFieldChanged } from './k8s-immutable-field-changed.js';
import { k8sMissingReadinessProbe } from './k8s-missing-readiness-probe.js';
import { k8sMissingResources } from './k8s-missing-resources.js';
import { newDependencyWithoutAdr } from './new-dependency.js';
import { secretInSource } from './secret-in-source.js';
import { statefulResourceDestroy } from './stateful-resource-destroy.js';

/** The system rules over infrastructure and dependencies: manifests, images, Kubernetes, Terraform. */
export const SYSTEM_INFRA_RULES: readonly Rule[] = [
  newDependencyWithoutAdr,
  devServerInProduction,
  secretInSource,
  k8sMissingResources,
  k8sImmutableFieldChanged,
  k8sMissingReadinessProbe,
  statefulResourceDestroy,
  imageTagNotPinned,
];
