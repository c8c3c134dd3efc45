import { describe, expect, it } from 'vitest';
import { imageTagNotPinned } from '../../src/checks/system/image-tag-not-pinned.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { DEPLOYMENT } from './k8s-fixtures.js';
import { hitsIfApplies } from './harness.js';

const hitsOn = hitsIfApplies(imageTagNotPinned);

const MULTI_STAGE = src`
  FROM golang:1.22.5-bookworm AS builder
  WORKDIR /src
  COPY go.mod go.sum ./
  RUN go mod download
  COPY . .
  RUN CGO_ENABLED=0 go build -o /out/orders ./cmd/orders

  FROM builder AS test
  RUN go test ./...

  FROM gcr.io/distroless/static-debian12:nonroot
  COPY --from=builder /out/orders /orders
  USER nonroot
  ENTRYPOINT ["/orders"]
`;

describe('image-tag-not-pinned fires', () => {
  it('on a final stage moved to an untagged base image', () => {
    const after = MULTI_STAGE.replace('FROM gcr.io/distroless/static-debian12:nonroot', 'FROM gcr.io/distroless/static-debian12');
    const hits = hitsOn(changedFile({ path: 'services/orders/Dockerfile', before: MULTI_STAGE, after }));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(after, 'FROM gcr.io/distroless'), 'Base image `gcr.io/distroless/static-debian12` is not pinned']]);
    expect(hits[0]?.message).toContain('means `:latest`');
  });

  it('on a new Dockerfile FROM python:latest', () => {
    const text = 'FROM python:latest\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n';
    expect(hitsOn(addedFile('Dockerfile', text)).map((h) => [h.line, h.title])).toEqual([[1, 'Base image `python:latest` is not pinned']]);
  });

  it('on a Deployment image switched to :latest and a Helm values tag: latest', () => {
    const after = DEPLOYMENT.replace('scoring-api:2.4.1', 'scoring-api:latest');
    const hits = hitsOn(changedFile({ path: 'k8s/scoring-api/deployment.yaml', before: DEPLOYMENT, after }));
    expect(hits.map((h) => [h.line, h.title])).toEqual([[lineOf(after, 'image:'), 'Image `registry.acme.io/scoring-api:latest` is not pinned']]);
    const values = 'replicaCount: 3\nimage:\n  repository: registry.acme.io/scoring-api\n  tag: "2.4.1"\n  pullPolicy: IfNotPresent\n';
    const valuesAfter = values.replace('tag: "2.4.1"', 'tag: latest');
    expect(hitsOn(changedFile({ path: 'charts/scoring/values.yaml', before: values, after: valuesAfter })).map((h) => h.title)).toEqual(['Image `tag: latest` is not pinned']);
  });

  it('on an untagged image pulled by a compose service', () => {
    const text = src`
      services:
        api:
          build: .
          image: registry.acme.io/orders-api
          ports:
            - "8000:8000"
        cache:
          image: redis
          command: ["redis-server", "--appendonly", "yes"]
    `;
    expect(hitsOn(addedFile('docker-compose.yml', text)).map((h) => [h.line, h.title])).toEqual([[lineOf(text, 'image: redis'), 'Image `redis` is not pinned']]);
  });
});

describe('image-tag-not-pinned stays quiet', () => {
  it('on the fix: a version tag and a digest', () => {
    const before = MULTI_STAGE.replace('FROM gcr.io/distroless/static-debian12:nonroot', 'FROM gcr.io/distroless/static-debian12:latest');
    expect(hitsOn(changedFile({ path: 'Dockerfile', before, after: MULTI_STAGE }))).toEqual([]);
    const digest = MULTI_STAGE.replace(':nonroot', '@sha256:8dd8d3ca2cf283383304fd45a5c9c74d5f2cd9da8d3b077d720e264880077c65');
    expect(hitsOn(changedFile({ path: 'Dockerfile', before: MULTI_STAGE, after: digest }))).toEqual([]);
  });

  it('on build stages referencing earlier stages (FROM builder), and on ARG-templated images', () => {
    expect(hitsOn(addedFile('Dockerfile', MULTI_STAGE))).toEqual([]);
    const templated = 'ARG PYTHON_VERSION=3.12\nFROM python:${PYTHON_VERSION}-slim\nARG BASE\nFROM ${BASE}\n';
    expect(hitsOn(addedFile('Dockerfile', templated))).toEqual([]);
  });

  it('on a stage reference whose FROM … AS is above the hunk', () => {
    const long = MULTI_STAGE.replace('FROM builder AS test\nRUN go test ./...\n', 'FROM builder AS test\nRUN go vet ./...\nRUN go test ./...\nRUN go test -race ./...\n');
    const after = long.replace('FROM builder AS test', 'FROM builder AS unit-test');
    expect(hitsOn(changedFile({ path: 'Dockerfile', before: long, after }))).toEqual([]);
  });

  it('on pinned Kubernetes images, Helm-templated images and dev-only compose files', () => {
    expect(hitsOn(addedFile('k8s/scoring-api/deployment.yaml', DEPLOYMENT))).toEqual([]);
    const template = 'spec:\n  containers:\n    - name: api\n      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"\n';
    expect(hitsOn(addedFile('charts/scoring/templates/deployment.yaml', template))).toEqual([]);
    expect(hitsOn(addedFile('docker-compose.dev.yml', 'services:\n  db:\n    image: postgres:latest\n'))).toEqual([]);
  });
});
