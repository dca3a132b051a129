export { KubernetesCellDriver, type KubernetesDriverOptions } from './kubernetes-driver';
