import type { Rule } from '../types.js';
import { newDependencyWithoutAdr } from './new-dependency.js';

/** The system rules over infrastructure and dependencies: manifests, images, Kubernetes, Terraform. */
export const SYSTEM_INFRA_RULES: readonly Rule[] = [newDependencyWithoutAdr];
