import { describe, expect, it } from 'vitest';
import { k8sMissingResources } from '../../src/checks/system/k8s-missing-resources.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { BARE_DEPLOYMENT, DEPLOYMENT, SERVICE } from './k8s-fixtures.js';
import { hitsIfApplies } from './harness.js';

const hitsOn = hitsIfApplies(k8sMissingResources);

describe('k8s-missing-resources fires', () => {
  it('on a new Deployment (after its Service, in one file) whose container sets nothing', () => {
    const text = `${SERVICE}---\n${BARE_DEPLOYMENT}`;
    const hits = hitsOn(addedFile('deploy/k8s/scoring-api.yaml', text));
    expect(hits.map((h) => [h.line, h.title])).toEqual([
      [lineOf(text, '- name: api'), 'No resource requests or memory limit for container `api` of Deployment `scoring-api`'],
    ]);
    expect(hits[0]?.message).toContain('OOM killer');
    expect(hits[0]?.remedy).toContain('limits: { memory: 512Mi }');
  });

  it('on a memory limit removed from an existing container (read with the whole file)', () => {
    const after = DEPLOYMENT.replace('            limits:\n              memory: 512Mi\n', '');
    const file = changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after });
    expect(k8sMissingResources.wantsContent?.(file)).toBe(true);
    file.content = after;
    const hits = hitsOn(file);
    expect(hits.map((h) => h.title)).toEqual(['No memory limit for container `api` of Deployment `scoring-api`']);
    expect(hits[0]?.line).toBe(lineOf(after, 'memory: 512Mi')); // the removal ends the file: its nearest head-side line
  });

  it('on a CronJob container with requests but only a CPU limit', () => {
    const text = src`
      apiVersion: batch/v1
      kind: CronJob
      metadata:
        name: nightly-retrain
      spec:
        schedule: "0 2 * * *"
        concurrencyPolicy: Forbid
        jobTemplate:
          spec:
            backoffLimit: 2
            template:
              spec:
                restartPolicy: OnFailure
                containers:
                  - name: retrain
                    image: registry.acme.io/churn-train:1.9.0
                    args: ["--since", "24h"]
                    resources:
                      requests:
                        cpu: "2"
                        memory: 8Gi
                      limits:
                        cpu: "4"
    `;
    const hits = hitsOn(addedFile('k8s/jobs/nightly-retrain.yaml', text));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(text, '- name: retrain'), 'No memory limit for container `retrain` of CronJob `nightly-retrain`']]);
  });

  it('on a sidecar appended after the last container, its `containers:` line above the hunk (diff only)', () => {
    const after = `${DEPLOYMENT}          - name: cloud-sql-proxy\n            image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.4\n            args: ["--port=5432", "acme:europe-west1:orders"]\n`;
    const file = changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after });
    expect(file.hunks[0]?.lines.some((l) => /containers:/.test(l.text))).toBe(false);
    expect(hitsOn(file).map((h) => [h.line, h.title])).toEqual([
      [lineOf(after, '- name: cloud-sql-proxy'), 'No resource requests or memory limit for container `cloud-sql-proxy` of this pod spec'],
    ]);
  });
});

describe('k8s-missing-resources stays quiet', () => {
  it('on the fix: resources added to a bare container', () => {
    const file = changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: BARE_DEPLOYMENT, after: DEPLOYMENT });
    file.content = DEPLOYMENT;
    expect(hitsOn(file)).toEqual([]);
  });

  it('on a change that does not touch resources (an image bump in a container that has none)', () => {
    const after = BARE_DEPLOYMENT.replace('scoring-api:2.4.1', 'scoring-api:2.5.0').replace('version: "2.4.1"', 'version: "2.5.0"');
    const file = changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: BARE_DEPLOYMENT, after });
    expect(hitsOn(file)).toEqual([]);
    file.content = after;
    expect(hitsOn(file)).toEqual([]);
  });

  it('on a Helm template whose resources come from values, and on non-workload kinds', () => {
    const template = src`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: {{ include "scoring.fullname" . }}
      spec:
        replicas: {{ .Values.replicaCount }}
        selector:
          matchLabels:
            {{- include "scoring.selectorLabels" . | nindent 6 }}
        template:
          metadata:
            labels:
              {{- include "scoring.selectorLabels" . | nindent 8 }}
          spec:
            containers:
              - name: {{ .Chart.Name }}
                image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                ports:
                  - name: http
                    containerPort: 8080
                resources:
                  {{- toYaml .Values.resources | nindent 12 }}
    `;
    expect(hitsOn(addedFile('charts/scoring/templates/deployment.yaml', template))).toEqual([]);
    expect(hitsOn(addedFile('k8s/scoring-api/service.yaml', SERVICE))).toEqual([]);
  });

  it('on a Kustomize patch that only adds env to a container (no image: it is not the whole container)', () => {
    const patch = src`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: scoring-api
      spec:
        template:
          spec:
            containers:
              - name: api
                env:
                  - name: FEATURE_FLAGS
                    value: new-ranking
    `;
    expect(hitsOn(addedFile('k8s/overlays/prod/patches/scoring-api-env.yaml', patch))).toEqual([]);
  });

  it('on an appended sidecar that sets its resources, an added env var, and shallow steps (a Tekton Task, diff only)', () => {
    const sized = `${DEPLOYMENT}          - name: cloud-sql-proxy\n            image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.4\n            resources:\n              requests: {cpu: 100m, memory: 128Mi}\n              limits: {memory: 256Mi}\n`;
    expect(hitsOn(changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after: sized }))).toEqual([]);
    const env = DEPLOYMENT.replace(/( *)(- name: LOG_LEVEL\n)( *)(value: info\n)/, '$1$2$3$4$1- name: DB_HOST\n$3value: 127.0.0.1\n');
    expect(env).toContain('- name: DB_HOST');
    expect(hitsOn(changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after: env }))).toEqual([]);
    const task = src`
      apiVersion: tekton.dev/v1
      kind: Task
      metadata:
        name: build
        labels:
          team: platform
          tier: ci
          owner: builds
      spec:
        steps:
          - name: test
            image: golang:1.22
            script: go test ./...
    `;
    const withStep = `${task}    - name: lint\n      image: golangci/golangci-lint:v1.59\n      script: golangci-lint run\n`;
    expect(hitsOn(changedFile({ path: 'ci/tasks/build.yaml', before: task, after: withStep }))).toEqual([]);
  });

  it('on an image volume appended below the pod\'s `volumes:` line (diff only): its `image:` is a mapping, not a container\'s', () => {
    const before = `${DEPLOYMENT}      volumes:\n        - name: config\n          configMap:\n            name: scoring-api\n            defaultMode: 0444\n`;
    const after = `${before}        - name: model\n          image:\n            reference: registry.acme.io/models/scoring:v12\n            pullPolicy: IfNotPresent\n`;
    const file = changedFile({ path: 'k8s/scoring-api/deployment.yaml', before, after });
    expect(file.hunks[0]?.lines.some((l) => /volumes:/.test(l.text))).toBe(false);
    expect(hitsOn(file)).toEqual([]);
    const inline = `${before}        - name: model\n          image: {reference: registry.acme.io/models/scoring:v12, pullPolicy: IfNotPresent}\n`;
    expect(hitsOn(changedFile({ path: 'k8s/scoring-api/deployment.yaml', before, after: inline }))).toEqual([]);
  });

  it('on a container with requests and a memory limit but no CPU limit', () => {
    expect(hitsOn(addedFile('k8s/scoring-api/deployment.yaml', DEPLOYMENT))).toEqual([]);
  });
});
