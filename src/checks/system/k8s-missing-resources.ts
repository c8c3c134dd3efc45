import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { isK8sYaml } from './infra-files.js';
import { containersAddedBelowView, describeContainer, firstAdded, removedKeyAt, touchesContainers, workloadContainers, type WorkloadContainer } from './k8s-workloads.js';
import { blockEnd, inlineValue, keyOf, templated } from './yaml-lines.js';

const RESOURCE_KEYS = /^(?:resources|requests|limits|memory|cpu)$/;

/** Whether the container asks for resources and caps its memory; a templated `resources:` counts as set (values.yaml decides). */
function resourcesOf(w: WorkloadContainer): { requests: boolean; memoryLimit: boolean } {
  const { lines, container } = w;
  const at = container.keys.get('resources');
  if (at === undefined) return { requests: false, memoryLimit: false };
  if (templated(lines, at)) return { requests: true, memoryLimit: true };
  const inline = inlineValue(lines[at]?.text ?? '');
  if (inline) return { requests: /requests\s*:\s*\{\s*\w/.test(inline), memoryLimit: /limits\s*:\s*\{[^}]*memory\s*:/.test(inline) };
  const end = blockEnd(lines, at, container.end);
  let requests = false;
  let memoryLimit = false;
  for (let i = at + 1; i < end; i++) {
    const key = keyOf(lines[i]?.text ?? '');
    const sub = blockEnd(lines, i, end);
    const value = inlineValue(lines[i]?.text ?? '');
    if (key === 'requests') requests = (value !== '' && value !== '{}') || sub > i + 1 || templated(lines, i);
    if (key === 'limits') {
      memoryLimit =
        /memory\s*:/.test(value) || templated(lines, i) || lines.slice(i + 1, sub).some((l) => keyOf(l.text) === 'memory' && inlineValue(l.text) !== '');
    }
  }
  return { requests, memoryLimit };
}

function check(file: ChangedFile): RuleHit[] {
  const hits: RuleHit[] = [];
  // Without the file's content, a sidecar appended below the last container has its `containers:` line out of view.
  for (const w of [...workloadContainers(file), ...containersAddedBelowView(file)]) {
    const { requests, memoryLimit } = resourcesOf(w);
    if (requests && memoryLimit) continue;
    const at = w.container.keys.get('resources');
    // Judge what this change wrote: a new container, or a resources block it edited or removed.
    const line = w.added
      ? w.lines[w.container.start]?.line
      : (at === undefined ? undefined : firstAdded(w.lines, at, blockEnd(w.lines, at, w.container.end))) ?? removedKeyAt(w, RESOURCE_KEYS);
    if (line === undefined) continue;
    const missing = [!requests && 'resource requests', !memoryLimit && 'memory limit'].filter((m) => m !== false).join(' or ');
    hits.push({
      line,
      title: `No ${missing} for ${describeContainer(w)}`,
      message:
        `${describeContainer(w)[0]?.toUpperCase()}${describeContainer(w).slice(1)} has no ${missing}. ` +
        (!requests ? 'Without requests the scheduler places the pod as if it needed nothing, so nodes get overcommitted and it is the first pod evicted under pressure. ' : '') +
        (!memoryLimit ? 'Without a memory limit a leak or a traffic spike lets it take the whole node\'s memory, and the OOM killer then takes down neighbouring pods too.' : ''),
      remedy:
        'Set both, sized from observed usage: `resources: { requests: { cpu: 250m, memory: 512Mi }, limits: { memory: 512Mi } }` ' +
        '(memory limit equal to the request avoids surprise OOM kills; a CPU limit is optional). In a Helm chart, expose them in values.yaml with sane defaults.',
    });
  }
  return hits;
}

export const k8sMissingResources: Rule = {
  id: 'k8s-missing-resources',
  summary: 'A Kubernetes workload container (Deployment, StatefulSet, DaemonSet, Job, CronJob, Helm templates) with no resource requests or no memory limit',
  why: 'Without requests the scheduler packs pods blindly; without a memory limit one leaking pod can starve the node and evict its neighbours.',
  remedy: 'Set CPU and memory requests from measured usage and a memory limit; CPU limits are optional.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Kubernetes manifests or Helm templates',
  appliesTo: isK8sYaml,
  wantsContent: (file) => touchesContainers(file, /^(?:containers|name|image|resources|requests|limits|memory|cpu)$/),
  check,
};
