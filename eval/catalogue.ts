/**
 * The rule catalogue the evaluation set is written against: every rule id the engine will have, with
 * the agent that owns it, its severity and whether it is a problem or a question. Fixtures may only
 * expect these ids, with these severities (test/eval/fixtures.test.ts checks it). When a rule lands
 * in src/checks with a different severity or kind, the evaluation prints the mismatch.
 */
import type { Severity } from '../src/report/types.js';

export interface PlannedRule {
  id: string;
  agent: 'ml-systems-architect' | 'system-architect';
  severity: Severity;
  kind: 'problem' | 'question';
}

const ml = (id: string, severity: Severity, kind: PlannedRule['kind'] = 'problem'): PlannedRule => ({
  id,
  agent: 'ml-systems-architect',
  severity,
  kind,
});
const sys = (id: string, severity: Severity, kind: PlannedRule['kind'] = 'problem'): PlannedRule => ({
  id,
  agent: 'system-architect',
  severity,
  kind,
});

export const PLANNED_RULES: readonly PlannedRule[] = [
  ml('model-load-in-request-path', 'high'),
  ml('untrusted-model-deserialization', 'high'),
  ml('blocking-inference-in-async-handler', 'medium'),
  ml('batch-scoring-in-online-service', 'medium'),
  ml('health-before-model-ready', 'medium'),
  ml('offline-store-read-in-request', 'high'),
  ml('prediction-without-monitoring', 'medium', 'question'),
  ml('unversioned-model-artifact', 'medium'),
  ml('model-overwritten-in-place', 'high'),
  ml('training-serving-skew', 'medium'),
  ml('feature-removed-from-feature-view', 'high'),
  ml('rollout-without-traffic-split', 'medium', 'question'),
  ml('serving-without-latency-budget', 'medium', 'question'),
  ml('model-registered-without-gate', 'medium'),
  sys('http-call-without-timeout', 'medium'),
  sys('redis-client-without-timeout', 'medium'),
  sys('new-dependency-without-adr', 'medium', 'question'),
  sys('route-removed', 'high'),
  sys('response-contract-changed', 'medium'),
  sys('error-returned-with-200', 'medium'),
  sys('env-var-renamed', 'medium'),
  sys('layer-violation', 'medium'),
  sys('client-per-request', 'medium'),
  sys('unbounded-query', 'medium'),
  sys('blocking-call-in-async-handler', 'medium'),
  sys('vendor-sdk-spread', 'low'),
  sys('dev-server-in-production', 'high'),
  sys('secret-in-source', 'high'),
  sys('k8s-missing-resources', 'medium'),
  sys('k8s-immutable-field-changed', 'high'),
  sys('k8s-missing-readiness-probe', 'medium'),
  sys('stateful-resource-destroy', 'high'),
  sys('image-tag-not-pinned', 'low'),
];

export const PLANNED: ReadonlyMap<string, PlannedRule> = new Map(PLANNED_RULES.map((r) => [r.id, r]));

export const AGENT_NAMES = ['ml-systems-architect', 'system-architect'] as const;
