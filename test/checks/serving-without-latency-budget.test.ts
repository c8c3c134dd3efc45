import { describe, expect, it } from 'vitest';
import { servingWithoutLatencyBudget } from '../../src/checks/ml/serving-without-latency-budget.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf, hitsOnChanges } from './harness.js';

const hitsOn = hitsOf(servingWithoutLatencyBudget);
const hitsOnChange = hitsOnChanges(servingWithoutLatencyBudget);

const QUESTION = /What is the latency target \(p50\/p99\) for this model, and which load test or benchmark are these settings sized from\?$/;

const BARE_ISVC = src`
  apiVersion: serving.kserve.io/v1beta1
  kind: InferenceService
  metadata:
    name: support-intents
    namespace: ml-serving
  spec:
    predictor:
      minReplicas: 1
      model:
        modelFormat:
          name: huggingface
        args:
          - --model_name=support-intents
          - --model_id=acme/support-intents-v3
        storageUri: gs://acme-models/support-intents/v3
`;

describe('serving-without-latency-budget asks', () => {
  it('on a new InferenceService with no timeout and no resources', () => {
    const hits = hitsOn(addedFile('kserve/support-intents.yaml', BARE_ISVC));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(BARE_ISVC, 'kind: InferenceService'));
    expect(hits[0]?.title).toBe('New InferenceService `support-intents` with no latency budget');
    expect(hits[0]?.message).toMatch(QUESTION);
    expect(hits[0]?.remedy).toContain('spec.predictor.timeout');
  });

  it('on a new Deployment of Triton next to its Service, and on its config.pbtxt with no dynamic batching', () => {
    const manifest = src`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: reranker
      spec:
        replicas: 2
        selector:
          matchLabels: {app: reranker}
        template:
          metadata:
            labels: {app: reranker}
          spec:
            containers:
              - name: triton
                image: nvcr.io/nvidia/tritonserver:24.05-py3
                args: ["tritonserver", "--model-repository=/models"]
                ports:
                  - containerPort: 8000
      ---
      apiVersion: v1
      kind: Service
      metadata:
        name: reranker
      spec:
        selector: {app: reranker}
        ports:
          - port: 8000
    `;
    const hits = hitsOn(addedFile('deploy/reranker.yaml', manifest));
    expect(hits.map((h) => h.title)).toEqual(['New Deployment `reranker` with no latency budget']);
    const pbtxt = src`
      name: "reranker"
      platform: "onnxruntime_onnx"
      max_batch_size: 32
      input [
        { name: "input_ids", data_type: TYPE_INT64, dims: [ 256 ] }
      ]
      output [
        { name: "scores", data_type: TYPE_FP32, dims: [ 1 ] }
      ]
      instance_group [ { count: 1, kind: KIND_GPU } ]
    `;
    const triton = hitsOn(addedFile('triton/reranker/config.pbtxt', pbtxt));
    expect(triton).toHaveLength(1);
    expect(triton[0]?.line).toBe(lineOf(pbtxt, 'max_batch_size'));
    expect(triton[0]?.message).toContain('allows batches of 32 but configures no `dynamic_batching`');
  });

  it('on a new TorchServe config.properties and a new BentoML service with no traffic or resources', () => {
    const properties = src`
      inference_address=http://0.0.0.0:8080
      management_address=http://0.0.0.0:8081
      metrics_address=http://0.0.0.0:8082
      model_store=/home/model-server/model-store
      load_models=all
      default_workers_per_model=2
    `;
    expect(hitsOn(addedFile('torchserve/config.properties', properties)).map((h) => h.title)).toEqual(['New TorchServe config with no latency budget']);
    const bento = src`
      import bentoml
      import numpy as np


      @bentoml.service
      class FraudScorer:
          model_ref = bentoml.models.get("fraud-xgb:latest")

          def __init__(self) -> None:
              self.model = bentoml.xgboost.load_model(self.model_ref)

          @bentoml.api
          def score(self, features: np.ndarray) -> np.ndarray:
              return self.model.predict(features)
    `;
    const hits = hitsOn(addedFile('serving/service.py', bento));
    expect(hits.map((h) => h.title)).toEqual(['New BentoML service `FraudScorer` with no latency budget']);
  });

  it('on a new InferenceService sized with resources but with no timeout or concurrency target', () => {
    const sized = BARE_ISVC.concat('      resources:\n        requests: {cpu: "2", memory: 4Gi}\n        limits: {cpu: "4", memory: 8Gi}\n');
    const hits = hitsOn(addedFile('kserve/support-intents.yaml', sized));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(sized, 'kind: InferenceService'));
    expect(hits[0]?.message).toContain('sets resources but no request timeout or concurrency target');
  });

  it('on a new BentoML service with resources but no traffic timeout, and a new Ray Serve deployment with no caps', () => {
    const bento = src`
      import bentoml


      @bentoml.service(resources={"cpu": "2", "memory": "3Gi"}, workers=2)
      class ReviewSentiment:
          @bentoml.api(batchable=True, max_batch_size=32)
          def classify(self, texts: list[str]) -> list[str]:
              return texts
    `;
    const hits = hitsOn(addedFile('services/sentiment/service.py', bento));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(bento, '@bentoml.service'));
    expect(hits[0]?.message).toContain('sets resources but no `traffic={"timeout": ...}`');
    const ray = src`
      from ray import serve
      from sentence_transformers import SentenceTransformer


      @serve.deployment(num_replicas=2, ray_actor_options={"num_gpus": 0.5})
      class Embedder:
          def __init__(self) -> None:
              self.model = SentenceTransformer("all-MiniLM-L6-v2")

          def __call__(self, texts: list[str]):
              return self.model.encode(texts).tolist()


      app = Embedder.bind()
    `;
    const rayHits = hitsOn(addedFile('serving/embeddings.py', ray));
    expect(rayHits.map((h) => [h.title, h.line])).toEqual([['New Ray Serve deployment `Embedder` with no latency budget', lineOf(ray, '@serve.deployment')]]);
    expect(rayHits[0]?.remedy).toContain('max_ongoing_requests');
  });
});

describe('serving-without-latency-budget stays quiet', () => {
  it('on the fix: the InferenceService with a timeout and resources', () => {
    const fixed = BARE_ISVC.replace('    minReplicas: 1\n', '    minReplicas: 1\n    timeout: 3\n').concat(
      '      resources:\n        requests: {cpu: "2", memory: 4Gi}\n        limits: {cpu: "4", memory: 8Gi, nvidia.com/gpu: "1"}\n',
    );
    expect(hitsOn(addedFile('kserve/support-intents.yaml', fixed))).toEqual([]);
  });

  it('on a config.pbtxt with dynamic batching and a TorchServe config with a response timeout', () => {
    const pbtxt = src`
      name: "reranker"
      platform: "onnxruntime_onnx"
      max_batch_size: 32
      dynamic_batching {
        preferred_batch_size: [ 8, 16 ]
        max_queue_delay_microseconds: 2000
      }
      instance_group [ { count: 1, kind: KIND_GPU } ]
    `;
    expect(hitsOn(addedFile('triton/reranker/config.pbtxt', pbtxt))).toEqual([]);
    const properties = 'inference_address=http://0.0.0.0:8080\nmodel_store=/models\ndefault_response_timeout=5\n';
    expect(hitsOn(addedFile('torchserve/config.properties', properties))).toEqual([]);
  });

  it('on look-alikes: a web Deployment with no model server, a modified InferenceService, a BentoML service with traffic', () => {
    const web = src`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: frontend
      spec:
        template:
          spec:
            containers:
              - name: web
                image: registry.example.com/storefront-web:3.2.0
    `;
    expect(hitsOn(addedFile('serving/frontend.yaml', web))).toEqual([]);
    expect(hitsOn(changedFile({ path: 'kserve/support-intents.yaml', before: BARE_ISVC, after: BARE_ISVC.replace('minReplicas: 1', 'minReplicas: 2') }))).toEqual([]);
    const bento = src`
      import bentoml


      @bentoml.service(
          resources={"cpu": "2", "memory": "2Gi"},
          traffic={"timeout": 5, "concurrency": 32},
      )
      class FraudScorer:
          @bentoml.api
          def score(self, features: list[float]) -> float:
              return sum(features)
    `;
    expect(hitsOn(addedFile('serving/service.py', bento))).toEqual([]);
  });

  it('on latency bounds other than a timeout: a KServe concurrency target, BentoML max_latency_ms, Ray Serve caps', () => {
    const concurrent = BARE_ISVC.replace('    minReplicas: 1\n', '    minReplicas: 1\n    containerConcurrency: 8\n').concat('      resources:\n        requests: {cpu: "2", memory: 4Gi}\n');
    expect(hitsOn(addedFile('kserve/support-intents.yaml', concurrent))).toEqual([]);
    const knative = BARE_ISVC.replace('  namespace: ml-serving\n', '  namespace: ml-serving\n  annotations:\n    autoscaling.knative.dev/target: "8"\n');
    expect(knative).toContain('autoscaling.knative.dev/target');
    expect(hitsOn(addedFile('kserve/support-intents.yaml', knative))).toEqual([]);
    const bento = src`
      import bentoml


      @bentoml.service(resources={"cpu": "2"})
      class ReviewSentiment:
          @bentoml.api(batchable=True, max_batch_size=32, max_latency_ms=200)
          def classify(self, texts: list[str]) -> list[str]:
              return texts
    `;
    expect(hitsOn(addedFile('services/sentiment/service.py', bento))).toEqual([]);
    const ray = src`
      from ray import serve


      @serve.deployment(num_replicas=2, max_ongoing_requests=16, max_queued_requests=64)
      class Embedder:
          def __call__(self, texts: list[str]):
              return texts
    `;
    expect(hitsOn(addedFile('serving/embeddings.py', ray))).toEqual([]);
    // Not Ray: a decorator of the same name from the project's own module.
    expect(hitsOn(addedFile('app/jobs.py', ray.replace('from ray import serve', 'from app import serve')))).toEqual([]);
  });

  it('on LLM servers that cap their concurrency by flag: TGI --max-concurrent-requests, vLLM --max-num-seqs', () => {
    const tgi = src`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: support-llm
      spec:
        replicas: 2
        template:
          spec:
            containers:
              - name: tgi
                image: ghcr.io/huggingface/text-generation-inference:2.4.1
                args:
                  - --model-id=acme/support-llm-7b
                  - --max-concurrent-requests=64
                  - --max-input-tokens=2048
                resources:
                  limits: {nvidia.com/gpu: "1", memory: 40Gi}
    `;
    expect(hitsOn(addedFile('deploy/support-llm.yaml', tgi))).toEqual([]);
    const vllm = tgi
      .replace('ghcr.io/huggingface/text-generation-inference:2.4.1', 'vllm/vllm-openai:v0.6.3')
      .replace('--model-id=acme/support-llm-7b', '--model=acme/support-llm-7b')
      .replace('--max-concurrent-requests=64', '--max-num-seqs=32');
    expect(hitsOn(addedFile('deploy/support-llm.yaml', vllm))).toEqual([]);
    // A batch size alone is no bound (the Triton and BentoML checks say so too): the same server still asks.
    const batchOnly = tgi.replace('--max-concurrent-requests=64', '--max-batch-size=32');
    expect(hitsOn(addedFile('deploy/support-llm.yaml', batchOnly)).map((h) => h.title)).toEqual(['New Deployment `support-llm` with no latency budget']);
  });

  it('on a Ray Serve deployment whose caps are in the Serve config the same change adds', () => {
    const deployment = src`
      from ray import serve


      @serve.deployment(num_replicas=2, ray_actor_options={"num_gpus": 0.5})
      class Embedder:
          def __call__(self, texts: list[str]):
              return texts


      app = Embedder.bind()
    `;
    const config = src`
      proxy_location: EveryNode
      http_options:
        host: 0.0.0.0
        port: 8000
      applications:
        - name: embeddings
          route_prefix: /embed
          import_path: serving.embeddings:app
          deployments:
            - name: Embedder
              max_ongoing_requests: 16
              max_queued_requests: 64
    `;
    const change = [{ path: 'serving/embeddings.py', after: deployment }, { path: 'deploy/serve-config.yaml', after: config }];
    expect(hitsOnChange(change)).toEqual([]);
    // A Serve config with no caps, or a YAML file that is not a Serve config, bounds nothing: the deployment still asks.
    const unbounded = config.replace(/ +max_(?:ongoing|queued)_requests: \d+\n/g, '');
    const gateway = 'gateway:\n  max_ongoing_requests: 16\n';
    for (const [path, after] of [['deploy/serve-config.yaml', unbounded], ['deploy/values.yaml', gateway]] as const) {
      const other = [{ path: 'serving/embeddings.py', after: deployment }, { path, after }];
      expect(hitsOnChange(other).map((h) => h.title)).toEqual(['New Ray Serve deployment `Embedder` with no latency budget']);
    }
  });

  it('on a Helm template it cannot parse', () => {
    const template = BARE_ISVC.replace('name: support-intents\n', 'name: {{ .Release.Name }}\n');
    expect(hitsOn(addedFile('charts/intents/templates/isvc.yaml', template))).toEqual([]);
  });
});
