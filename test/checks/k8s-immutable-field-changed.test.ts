import { describe, expect, it } from 'vitest';
import { k8sImmutableFieldChanged } from '../../src/checks/system/k8s-immutable-field-changed.js';
import type { ChangedFile } from '../../src/changeset/types.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { DEPLOYMENT, SERVICE } from './k8s-fixtures.js';
import { hitsIfApplies } from './harness.js';

const hitsOn = hitsIfApplies(k8sImmutableFieldChanged);

function withContent(file: ChangedFile, content: string): ChangedFile {
  file.content = content;
  return file;
}

const STATEFULSET = src`
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: feature-store-redis
  spec:
    serviceName: feature-store-redis
    replicas: 3
    selector:
      matchLabels:
        app: feature-store-redis
    template:
      metadata:
        labels:
          app: feature-store-redis
      spec:
        containers:
          - name: redis
            image: redis:7.2.5
            ports:
              - containerPort: 6379
            volumeMounts:
              - name: data
                mountPath: /data
    volumeClaimTemplates:
      - metadata:
          name: data
        spec:
          accessModes: ["ReadWriteOnce"]
          storageClassName: gp3
          resources:
            requests:
              storage: 10Gi
`;

const HELPERS = src`
  {{- define "scoring.name" -}}
  {{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
  {{- end }}

  {{- define "scoring.labels" -}}
  helm.sh/chart: {{ include "scoring.chart" . }}
  {{ include "scoring.selectorLabels" . }}
  app.kubernetes.io/managed-by: {{ .Release.Service }}
  {{- end }}

  {{- define "scoring.selectorLabels" -}}
  app.kubernetes.io/name: {{ include "scoring.name" . }}
  app.kubernetes.io/instance: {{ .Release.Name }}
  {{- end }}
`;

describe('k8s-immutable-field-changed fires', () => {
  it('on a Deployment whose matchLabels change with its template labels (hunk only)', () => {
    const after = DEPLOYMENT.replace('      app: scoring-api\n  template:', '      app: scoring\n  template:').replace(
      '        app: scoring-api\n        version',
      '        app: scoring\n        version',
    );
    const file = changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after });
    expect(k8sImmutableFieldChanged.wantsContent?.(file)).toBe(true);
    const hits = hitsOn(file);
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(after, '      app: scoring'), 'Immutable `spec.selector` changed']]);
    expect(hits[0]?.message).toContain('removed `app: scoring-api`, added `app: scoring`');
    expect(hits[0]?.message).toContain('field is immutable');
  });

  it('on the same change read with the whole file: names the kind', () => {
    const after = DEPLOYMENT.replace('      app: scoring-api\n  template:', '      app: scoring-api\n      tier: web\n  template:');
    const file = withContent(changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after }), after);
    expect(hitsOn(file).map((h) => [h.line, h.title])).toEqual([[lineOf(after, 'tier: web'), 'Immutable `spec.selector` of a Deployment changed']]);
  });

  it('on a StatefulSet volumeClaimTemplates storage size', () => {
    const after = STATEFULSET.replace('storage: 10Gi', 'storage: 50Gi');
    const file = withContent(changedFile({ path: 'k8s/feature-store/redis.yaml', before: STATEFULSET, after }), after);
    const hits = hitsOn(file);
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(after, 'storage: 50Gi'), 'Immutable `spec.volumeClaimTemplates` of a StatefulSet changed']]);
    expect(hits[0]?.remedy).toContain('--cascade=orphan');
  });

  it('on the claim size in a file named for a StatefulSet, with neither kind nor volumeClaimTemplates in the hunk', () => {
    const after = STATEFULSET.replace('storage: 10Gi', 'storage: 50Gi');
    const file = changedFile({ path: 'k8s/feature-store/statefulset.yaml', before: STATEFULSET, after });
    expect(file.hunks[0]?.lines.some((l) => /volumeClaimTemplates|kind:/.test(l.text))).toBe(false);
    const hits = hitsOn(file);
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(after, 'storage: 50Gi'), 'Immutable `spec.volumeClaimTemplates` changed']]);
    expect(hits[0]?.message).toContain('removed `storage: 10Gi`, added `storage: 50Gi`');
  });

  it("on a chart's selectorLabels helper that gains a label", () => {
    const after = HELPERS.replace('app.kubernetes.io/instance: {{ .Release.Name }}\n', 'app.kubernetes.io/instance: {{ .Release.Name }}\napp.kubernetes.io/component: api\n');
    const hits = hitsOn(changedFile({ path: 'charts/scoring/templates/_helpers.tpl', before: HELPERS, after }));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(after, 'component: api'), 'Selector labels helper `scoring.selectorLabels` changed']]);
  });
});

describe('k8s-immutable-field-changed stays quiet', () => {
  it('when only the pod template labels change (the fix: a new label on the template, not the selector)', () => {
    const after = DEPLOYMENT.replace('        version: "2.4.1"\n', '        version: "2.4.1"\n        tier: web\n');
    expect(hitsOn(changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after }))).toEqual([]);
    const file = withContent(changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after }), after);
    expect(hitsOn(file)).toEqual([]);
  });

  it('on a new manifest, and on a workload renamed along with its selector (a new object)', () => {
    expect(hitsOn(addedFile('k8s/scoring-api/deployment.yaml', DEPLOYMENT))).toEqual([]);
    const after = DEPLOYMENT.replace(/scoring-api(?!:)/g, 'scoring-v2');
    const file = withContent(changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after }), after);
    expect(hitsOn(file)).toEqual([]);
  });

  it("on a Service's selector (mutable) and a StatefulSet's replicas or image", () => {
    const service = SERVICE.replace('    app: scoring-api\n', '    app: scoring-api\n    track: canary\n');
    expect(hitsOn(withContent(changedFile({ path: 'k8s/scoring-api/service.yaml', before: SERVICE, after: service }), service))).toEqual([]);
    const sts = STATEFULSET.replace('replicas: 3', 'replicas: 5').replace('redis:7.2.5', 'redis:7.2.6');
    expect(hitsOn(withContent(changedFile({ path: 'k8s/feature-store/redis.yaml', before: STATEFULSET, after: sts }), sts))).toEqual([]);
  });

  it('on a claim size out of view in a file not named for a StatefulSet, and on a plain PVC resized (allowed)', () => {
    const after = STATEFULSET.replace('storage: 10Gi', 'storage: 50Gi');
    expect(hitsOn(changedFile({ path: 'k8s/feature-store/redis.yaml', before: STATEFULSET, after }))).toEqual([]);
    const pvc = src`
      apiVersion: v1
      kind: PersistentVolumeClaim
      metadata:
        name: kafka-sts-backup
        labels:
          app: kafka
          tier: storage
      spec:
        accessModes: ["ReadWriteOnce"]
        storageClassName: gp3
        resources:
          requests:
            storage: 100Gi
    `;
    const grown = pvc.replace('storage: 100Gi', 'storage: 200Gi');
    expect(hitsOn(changedFile({ path: 'k8s/kafka/sts-backup-pvc.yaml', before: pvc, after: grown }))).toEqual([]);
  });

  it('on helper changes outside the selector labels', () => {
    const after = HELPERS.replace('app.kubernetes.io/managed-by: {{ .Release.Service }}\n', 'app.kubernetes.io/managed-by: {{ .Release.Service }}\napp.kubernetes.io/part-of: scoring\n');
    expect(hitsOn(changedFile({ path: 'charts/scoring/templates/_helpers.tpl', before: HELPERS, after }))).toEqual([]);
  });
});
