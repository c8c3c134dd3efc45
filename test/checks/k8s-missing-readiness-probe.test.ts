import { describe, expect, it } from 'vitest';
import { k8sMissingReadinessProbe } from '../../src/checks/system/k8s-missing-readiness-probe.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { BARE_DEPLOYMENT, DEPLOYMENT, SERVICE } from './k8s-fixtures.js';
import { hitsIfApplies } from './harness.js';

const hitsOn = hitsIfApplies(k8sMissingReadinessProbe);

const PROBE = '          readinessProbe:\n            httpGet:\n              path: /ready\n              port: http\n            periodSeconds: 5\n';

describe('k8s-missing-readiness-probe fires', () => {
  it('on a new Deployment whose serving container has no readiness probe', () => {
    const text = `${SERVICE}---\n${DEPLOYMENT.replace(PROBE, '')}`;
    const hits = hitsOn(addedFile('deploy/k8s/scoring-api.yaml', text));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(text, '- name: api'), 'No readiness probe for container `api` of Deployment `scoring-api`']]);
    expect(hits[0]?.message).toContain('before it has loaded config');
    expect(hits[0]?.remedy).toContain('readinessProbe: { httpGet: { path: /ready');
  });

  it('on a readiness probe removed from an existing container', () => {
    const after = DEPLOYMENT.replace(PROBE, '');
    const file = changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after });
    expect(k8sMissingReadinessProbe.wantsContent?.(file)).toBe(true);
    file.content = after;
    const hits = hitsOn(file);
    expect(hits.map((h) => [h.line, h.title])).toEqual([
      [lineOf(after, 'resources:'), 'Readiness probe removed from container `api` of Deployment `scoring-api`'],
    ]);
  });

  it('on a StatefulSet container that starts exposing a port', () => {
    const before = src`
      apiVersion: apps/v1
      kind: StatefulSet
      metadata:
        name: feature-cache
      spec:
        serviceName: feature-cache
        replicas: 3
        selector:
          matchLabels:
            app: feature-cache
        template:
          metadata:
            labels:
              app: feature-cache
          spec:
            containers:
              - name: cache
                image: registry.acme.io/feature-cache:0.9.2
                args: ["--data-dir", "/data"]
                volumeMounts:
                  - name: data
                    mountPath: /data
    `;
    const after = before.replace(
      '          args: ["--data-dir", "/data"]\n',
      '          args: ["--data-dir", "/data", "--listen", ":6380"]\n          ports:\n            - containerPort: 6380\n',
    );
    const file = changedFile({ path: 'k8s/feature-cache/statefulset.yaml', before, after });
    file.content = after;
    const hits = hitsOn(file);
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(after, 'ports:'), 'No readiness probe for container `cache` of StatefulSet `feature-cache`']]);
  });
});

describe('k8s-missing-readiness-probe stays quiet', () => {
  it('on the fix: a readiness probe added', () => {
    const before = DEPLOYMENT.replace(PROBE, '');
    const file = changedFile({ path: 'k8s/scoring-api/deployment.yaml', before, after: DEPLOYMENT });
    file.content = DEPLOYMENT;
    expect(hitsOn(file)).toEqual([]);
  });

  it('on a container with a probe, and on an unrelated change to a container without one', () => {
    expect(hitsOn(addedFile('k8s/scoring-api/deployment.yaml', DEPLOYMENT))).toEqual([]);
    const after = BARE_DEPLOYMENT.replace('value: info', 'value: debug');
    const file = changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: BARE_DEPLOYMENT, after });
    file.content = after;
    expect(hitsOn(file)).toEqual([]);
  });

  it('on Jobs and on containers without ports (a queue worker)', () => {
    const job = src`
      apiVersion: batch/v1
      kind: Job
      metadata:
        name: backfill-embeddings
      spec:
        backoffLimit: 1
        template:
          spec:
            restartPolicy: Never
            containers:
              - name: backfill
                image: registry.acme.io/embeddings:1.2.0
                args: ["backfill", "--since", "2024-01-01"]
                ports:
                  - containerPort: 9090
                    name: metrics
    `;
    expect(hitsOn(addedFile('k8s/jobs/backfill.yaml', job))).toEqual([]);
    const worker = BARE_DEPLOYMENT.replace(
      '          ports:\n            - name: http\n              containerPort: 8080\n',
      '          args: ["worker", "--queue", "scoring"]\n',
    );
    expect(hitsOn(addedFile('k8s/scoring-worker/deployment.yaml', worker))).toEqual([]);
  });
});
