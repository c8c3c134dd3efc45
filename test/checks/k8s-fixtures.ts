/** Realistic Kubernetes manifests shared by the k8s rule tests. */
import { src } from '../changeset/git-diff.js';

export const SERVICE = src`
  apiVersion: v1
  kind: Service
  metadata:
    name: scoring-api
  spec:
    selector:
      app: scoring-api
    ports:
      - name: http
        port: 80
        targetPort: http
`;

export const DEPLOYMENT = src`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: scoring-api
    labels:
      app: scoring-api
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: scoring-api
    template:
      metadata:
        labels:
          app: scoring-api
          version: "2.4.1"
      spec:
        containers:
          - name: api
            image: registry.acme.io/scoring-api:2.4.1
            ports:
              - name: http
                containerPort: 8080
            env:
              - name: LOG_LEVEL
                value: info
            readinessProbe:
              httpGet:
                path: /ready
                port: http
              periodSeconds: 5
            resources:
              requests:
                cpu: 250m
                memory: 512Mi
              limits:
                memory: 512Mi
`;

/** The same Deployment with no resources block and no readiness probe. */
export const BARE_DEPLOYMENT = DEPLOYMENT.replace(
  /\n {10}readinessProbe:[\s\S]*$/,
  '\n',
);
