import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { isK8sYaml } from './infra-files.js';
import { describeContainer, firstAdded, removedKeyAt, touchesContainers, workloadContainers } from './k8s-workloads.js';
import { blockEnd } from './yaml-lines.js';

/** Workloads that take traffic through a Service; Jobs and CronJobs run to completion, DaemonSets are mostly agents. */
const SERVING = new Set(['Deployment', 'StatefulSet']);

function check(file: ChangedFile): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const w of workloadContainers(file)) {
    const { keys, end } = w.container;
    const ports = keys.get('ports');
    if (w.kind === undefined || !SERVING.has(w.kind) || ports === undefined || keys.has('readinessProbe')) continue;
    // What this change did: a new container, a probe it removed, or ports it opened.
    const line = w.added ? w.lines[w.container.start]?.line : (removedKeyAt(w, /^readinessProbe$/) ?? firstAdded(w.lines, ports, blockEnd(w.lines, ports, end)));
    if (line === undefined) continue;
    const removed = !w.added && removedKeyAt(w, /^readinessProbe$/) !== undefined;
    hits.push({
      line,
      title: `${removed ? 'Readiness probe removed from' : 'No readiness probe for'} ${describeContainer(w)}`,
      message:
        `${describeContainer(w)[0]?.toUpperCase()}${describeContainer(w).slice(1)} exposes ports but has no \`readinessProbe\`: ` +
        'Kubernetes sends it traffic as soon as the process starts, before it has loaded config, warmed caches or connected to ' +
        'its dependencies, so every rollout and restart fails some requests; and a broken version looks ready, so the rollout ' +
        'replaces the healthy pods with it instead of stopping.',
      remedy:
        'Add a readiness probe on an endpoint that answers only when the app can serve: `readinessProbe: { httpGet: { path: /ready, port: http }, ' +
        'periodSeconds: 5, failureThreshold: 3 }` (a `startupProbe` for slow starts; keep liveness separate and cheap).',
    });
  }
  return hits;
}

export const k8sMissingReadinessProbe: Rule = {
  id: 'k8s-missing-readiness-probe',
  summary: 'A new or changed Deployment/StatefulSet container with ports but no readinessProbe',
  why: 'Pods get traffic before they can serve, and a broken version looks healthy, so a rollout cannot stop on its own.',
  remedy: 'Add a readinessProbe on an endpoint that checks what the container needs to serve (dependencies, a loaded model).',
  severity: 'medium',
  kind: 'problem',
  scope: 'Kubernetes manifests or Helm templates',
  appliesTo: isK8sYaml,
  wantsContent: (file) => touchesContainers(file, /^(?:containers|name|image|ports|containerPort|readinessProbe)$/),
  check,
};
