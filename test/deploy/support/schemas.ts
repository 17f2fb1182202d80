import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { K8sObject } from './kustomize.js';

type Validating = { validate(): void };
type ModelFactory = (data: K8sObject) => Validating;

/** apiVersion/kind → model; a kind not listed here fails the test (add its model when adding it). */
const MODELS: Readonly<Record<string, ModelFactory>> = {
  'v1/ConfigMap': (d) => new ConfigMap(d as never),
  'v1/Secret': (d) => new Secret(d as never),
  'v1/Service': (d) => new Service(d as never),
  'v1/ServiceAccount': (d) => new ServiceAccount(d as never),
  'apps/v1/Deployment': (d) => new Deployment(d as never),
  'autoscaling/v2/HorizontalPodAutoscaler': (d) => new HorizontalPodAutoscaler(d as never),
  'batch/v1/CronJob': (d) => new CronJob(d as never),
  'policy/v1/PodDisruptionBudget': (d) => new PodDisruptionBudget(d as never),
  'monitoring.coreos.com/v1/PrometheusRule': (d) => new PrometheusRule(d as never),
  'monitoring.coreos.com/v1/ServiceMonitor': (d) => new ServiceMonitor(d as never),
};

/** Validates against the Kubernetes / Prometheus Operator OpenAPI schema; returns the problem or null. */
export function schemaProblem(obj: K8sObject): string | null {
  const model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!model) return `no schema model for ${obj.apiVersion} ${obj.kind}`;
  try {
    model(obj).validate();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
