// kubeconfig files as kubeadm writes them (kubeconfigutil.CreateWithCerts): one cluster, one user
// named after the certificate's CN, one context "<user>@<cluster>", certificates embedded.
import { toYaml } from '../text/yaml.js';

export interface KubeconfigInput {
  clusterName: string;
  server: string;
  caCert: string;
  userName: string;
  clientCert: string;
  clientKey: string;
}

const b64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');

export function buildKubeconfig(input: KubeconfigInput): string {
  const context = `${input.userName}@${input.clusterName}`;
  // Key order is clientcmd's (alphabetical), so the file reads like one kubeadm wrote.
  return toYaml({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(input.caCert), server: input.server }, name: input.clusterName }],
    contexts: [{ context: { cluster: input.clusterName, user: input.userName }, name: context }],
    'current-context': context,
    kind: 'Config',
    preferences: {},
    users: [{ name: input.userName, user: { 'client-certificate-data': b64(input.clientCert), 'client-key-data': b64(input.clientKey) } }],
  });
}

export function serverUrl(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
