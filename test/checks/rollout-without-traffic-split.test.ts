import { describe, expect, it } from 'vitest';
import { rolloutWithoutTrafficSplit } from '../../src/checks/ml/rollout-without-traffic-split.js';
import { addedFile, changeSetOf, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf } from './harness.js';

const hitsOn = hitsOf(rolloutWithoutTrafficSplit);

const ISVC = src`
  apiVersion: serving.kserve.io/v1beta1
  kind: InferenceService
  metadata:
    name: churn
    namespace: ml-serving
    annotations:
      serving.kserve.io/deploymentMode: Serverless
  spec:
    predictor:
      minReplicas: 2
      maxReplicas: 8
      timeout: 2
      model:
        modelFormat:
          name: sklearn
        runtime: kserve-sklearnserver
        storageUri: s3://ml-models/churn/v11/
        resources:
          requests:
            cpu: "1"
            memory: 2Gi
          limits:
            cpu: "2"
            memory: 4Gi
`;


const CHART_VALUES = src`
  replicaCount: 4

  image:
    repository: registry.example.com/lead-scoring-server
    tag: "2.3.1"
    pullPolicy: IfNotPresent

  model:
    modelUri: "models:/lead-scoring/20"
    warmupRequests: 20

  canary:
    enabled: false
    weight: 0
    modelUri: ""
`;

describe('rollout-without-traffic-split asks', () => {
  it('when an InferenceService moves to a new storageUri with no canary, naming it when the file was read whole', () => {
    const after = ISVC.replace('churn/v11/', 'churn/v12/');
    const file = changedFile({ path: 'kserve/churn-inferenceservice.yaml', before: ISVC, after });
    expect(rolloutWithoutTrafficSplit.wantsContent?.(file)).toBe(true);
    const hits = hitsOn({ ...file, content: after });
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(after, 'storageUri:'));
    expect(hits[0]?.title).toBe('New model version rolled out in InferenceService `churn` with no canary or shadow phase');
    expect(hits[0]?.message).toContain('`storageUri` from `s3://ml-models/churn/v11/` to `s3://ml-models/churn/v12/`');
    expect(hits[0]?.message).toMatch(/Will this version take 100% of traffic at once, or is there a canary\/shadow phase with a success metric and a way back\?$/);
    // From the hunks alone (--diff mode) it still asks, without the name.
    expect(hitsOn(file)[0]?.title).toBe('New model version rolled out with no canary or shadow phase');
  });

  it('when a model-server Deployment bumps its MODEL_VERSION env and image tag', () => {
    const before = src`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: ranker
      spec:
        replicas: 6
        selector:
          matchLabels:
            app: ranker
        template:
          metadata:
            labels:
              app: ranker
          spec:
            containers:
              - name: server
                image: registry.example.com/ranker-model:2024.05.1
                env:
                  - name: MODEL_VERSION
                    value: "17"
                  - name: LOG_LEVEL
                    value: info
                resources:
                  limits:
                    nvidia.com/gpu: 1
    `;
    const after = before.replace('ranker-model:2024.05.1', 'ranker-model:2024.06.0').replace('value: "17"', 'value: "18"');
    const hits = hitsOn(changedFile({ path: 'deploy/ranker/deployment.yaml', before, after }));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(after, 'image: registry.example.com/ranker-model'));
    expect(hits[0]?.message).toContain('`image` from `registry.example.com/ranker-model:2024.05.1` to `registry.example.com/ranker-model:2024.06.0`');
    expect(hits[0]?.message).toContain('`MODEL_VERSION` from `17` to `18`');
  });

  it('when a SageMaker endpoint config swaps ModelName on its only variant', () => {
    const before = src`
      AWSTemplateFormatVersion: "2010-09-09"
      Resources:
        FraudEndpointConfig:
          Type: AWS::SageMaker::EndpointConfig
          Properties:
            ProductionVariants:
              - VariantName: AllTraffic
                ModelName: fraud-xgb-2024-05-20
                InitialInstanceCount: 2
                InstanceType: ml.m5.xlarge
                InitialVariantWeight: 1
        FraudEndpoint:
          Type: AWS::SageMaker::Endpoint
          Properties:
            EndpointConfigName: !GetAtt FraudEndpointConfig.EndpointConfigName
    `;
    const after = before.replace('fraud-xgb-2024-05-20', 'fraud-xgb-2024-06-18');
    const hits = hitsOn(changedFile({ path: 'infra/sagemaker/fraud-endpoint.yaml', before, after }));
    expect(hits.map((h) => h.line)).toEqual([lineOf(after, 'ModelName:')]);
  });
  it('when Helm values bump the primary model and leave the chart\'s canary block off and untouched', () => {
    const after = CHART_VALUES.replace('lead-scoring/20', 'lead-scoring/21').replace('warmupRequests: 20', 'warmupRequests: 50');
    const file = changedFile({ path: 'charts/lead-scoring/values.yaml', before: CHART_VALUES, after });
    // The hunk reaches `enabled: false`; read whole, the file shows it too.
    for (const seen of [file, { ...file, content: after }]) {
      const hits = hitsOn(seen);
      expect(hits.map((h) => h.line)).toEqual([lineOf(after, 'modelUri: "models:/lead-scoring/21"')]);
      expect(hits[0]?.title).toBe('New model version rolled out with no canary or shadow phase');
      expect(hits[0]?.message).toContain('The file has a `canary:` block, but this change leaves it untouched');
    }
  });

  it('whether the canary is on, when the hunk ends on the `canary:` key and its settings are out of view', () => {
    const before = src`
      replicaCount: 4

      model:
        modelUri: "models:/lead-scoring/20"
        warmupRequests: 20
        timeoutSeconds: 2

      canary:
        enabled: true
        weight: 10
        modelUri: "models:/lead-scoring/21"

      resources:
        requests:
          cpu: 500m
    `;
    const after = before.replace('lead-scoring/20', 'lead-scoring/21').replace('warmupRequests: 20', 'warmupRequests: 50');
    const file = changedFile({ path: 'charts/lead-scoring/values.yaml', before, after });
    const hits = hitsOn(file);
    expect(hits.map((h) => h.line)).toEqual([lineOf(after, 'modelUri: "models:/lead-scoring/21"')]);
    expect(hits[0]?.title).toBe('New model version rolled out: does it reach a canary share first?');
    expect(hits[0]?.message).toContain('the diff does not show whether it is switched on');
    expect(hits[0]?.message).toContain('If the canary is off, the new model takes every request at once');
    expect(hits[0]?.message).not.toContain('leaves it untouched');
    expect(hits[0]?.message).toMatch(/Can you confirm that the new version reaches a canary share first, .*\?$/);
    // Read whole, the canary is seen switched on: a split.
    expect(hitsOn({ ...file, content: after })).toEqual([]);
    // The same shape with the canary off: still asked, in the same words (the diff cannot tell the two apart).
    const off = before.replace('enabled: true', 'enabled: false').replace('weight: 10', 'weight: 0');
    const offAfter = off.replace('lead-scoring/20', 'lead-scoring/21').replace('warmupRequests: 20', 'warmupRequests: 50');
    const offFile = changedFile({ path: 'charts/lead-scoring/values.yaml', before: off, after: offAfter });
    expect(hitsOn(offFile).map((h) => h.title)).toEqual(['New model version rolled out: does it reach a canary share first?']);
    expect(hitsOn({ ...offFile, content: offAfter }).map((h) => h.title)).toEqual(['New model version rolled out with no canary or shadow phase']);
  });
});

describe('rollout-without-traffic-split stays quiet', () => {
  it('on Helm values whose canary block this change switches on for the new model', () => {
    const after = CHART_VALUES.replace('enabled: false', 'enabled: true').replace('weight: 0', 'weight: 10').replace('modelUri: ""', 'modelUri: "models:/lead-scoring/21"');
    const file = changedFile({ path: 'charts/lead-scoring/values.yaml', before: CHART_VALUES, after });
    expect(hitsOn(file)).toEqual([]);
  });

  it('on an Argo Rollout whose nested canary strategy is cut off by the hunk, diff only', () => {
    const before = src`
      apiVersion: argoproj.io/v1alpha1
      kind: Rollout
      metadata:
        name: ranker
      spec:
        replicas: 4
        template:
          spec:
            containers:
              - name: ranker
                image: ghcr.io/acme/ranker:1.4.0
                env:
                  - name: LOG_LEVEL
                    value: info
                  - name: MODEL_VERSION
                    value: "41"
        strategy:
          # gradual, analysed by the ranking SLOs
          canary:
            steps:
              - setWeight: 10
              - pause: {duration: 10m}
    `;
    const file = changedFile({ path: 'deploy/ranker/rollout.yaml', before, after: before.replace('value: "41"', 'value: "42"') });
    expect(hitsOn(file)).toEqual([]);
  });

  it('on a primary model bump in Helm values whose canary is already on, seen through the whole file', () => {
    const running = CHART_VALUES.replace('enabled: false', 'enabled: true');
    const after = running.replace('lead-scoring/20', 'lead-scoring/21');
    const file = changedFile({ path: 'charts/lead-scoring/values.yaml', before: running, after });
    expect(hitsOn({ ...file, content: after })).toEqual([]);
  });
  it('on the fix: the new storageUri rolled out behind canaryTrafficPercent', () => {
    const before = ISVC;
    const after = ISVC.replace('churn/v11/', 'churn/v12/').replace('    timeout: 2\n', '    timeout: 2\n    canaryTrafficPercent: 10\n');
    const file = changedFile({ path: 'kserve/churn-inferenceservice.yaml', before, after });
    expect(hitsOn(file)).toEqual([]);
    expect(hitsOn({ ...file, content: after })).toEqual([]);
  });

  it('on a version bump in a file that already has a canary, seen through the whole file', () => {
    const withCanary = ISVC.replace('    timeout: 2\n', '    timeout: 2\n    canaryTrafficPercent: 20\n');
    const after = withCanary.replace('churn/v11/', 'churn/v12/');
    const file = changedFile({ path: 'kserve/churn.yaml', before: withCanary, after });
    expect(hitsOn({ ...file, content: after })).toEqual([]);
  });

  it('on a Seldon graph change paired with an Istio VirtualService weight split in the same change', () => {
    const seldonBefore = src`
      apiVersion: machinelearning.seldon.io/v1
      kind: SeldonDeployment
      metadata:
        name: recsys
      spec:
        predictors:
          - name: main
            replicas: 3
            graph:
              name: recommender
              implementation: SKLEARN_SERVER
              modelUri: gs://acme-models/recsys/41
    `;
    const seldonAfter = seldonBefore.replace('recsys/41', 'recsys/42');
    const virtualService = src`
      apiVersion: networking.istio.io/v1beta1
      kind: VirtualService
      metadata:
        name: recsys
      spec:
        hosts: [recsys.ml.svc.cluster.local]
        http:
          - route:
              - destination: {host: recsys-main}
                weight: 90
              - destination: {host: recsys-canary}
                weight: 10
    `;
    const changeSet = changeSetOf([
      { path: 'seldon/recsys.yaml', before: seldonBefore, after: seldonAfter },
      { path: 'istio/recsys-vs.yaml', after: virtualService },
    ]);
    const file = changeSet.files.find((f) => f.path === 'seldon/recsys.yaml');
    if (!file) throw new Error('no file');
    expect(hitsOn(file, changeSet)).toEqual([]);
  });

  it('on a retraining CronJob whose trainer image is bumped', () => {
    const before = src`
      apiVersion: batch/v1
      kind: CronJob
      metadata:
        name: churn-retrain
      spec:
        schedule: "0 3 * * 1"
        jobTemplate:
          spec:
            template:
              spec:
                restartPolicy: Never
                containers:
                  - name: train
                    image: registry.example.com/churn-model-trainer:1.4.0
                    args: ["python", "-m", "training.train"]
    `;
    const after = before.replace('trainer:1.4.0', 'trainer:1.5.0');
    const file = changedFile({ path: 'deploy/churn-retrain.yaml', before, after });
    expect(hitsOn({ ...file, content: after })).toEqual([]);
  });

  it('on look-alikes: replicas and resources changed, a non-model image bumped, a new file', () => {
    const after = ISVC.replace('maxReplicas: 8', 'maxReplicas: 12').replace('memory: 4Gi', 'memory: 6Gi');
    expect(hitsOn(changedFile({ path: 'kserve/churn.yaml', before: ISVC, after }))).toEqual([]);
    const sidecarBefore = 'spec:\n  template:\n    spec:\n      containers:\n        - name: proxy\n          image: envoyproxy/envoy:v1.29.1\n';
    const sidecarAfter = sidecarBefore.replace('v1.29.1', 'v1.30.2');
    expect(hitsOn(changedFile({ path: 'serving/proxy.yaml', before: sidecarBefore, after: sidecarAfter }))).toEqual([]);
    expect(hitsOn(addedFile('kserve/new-model.yaml', ISVC))).toEqual([]);
  });
});
