// One spec per customization rule (src/model/customizationRules.ts), in rule order, for
// rules.test.ts's "one spec per rule" table. Line and column come from the text itself (the first
// occurrence of the token), independently of the locator under test.
import { HEAD } from '../helpers/specErrors.js';

const CP1 = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }';
const W1 = '    - { name: w-1, address: 10.0.0.21, roles: [worker] }';
const doc = (...body: string[]) => `${HEAD}${body.join('\n')}\n`;

function customCase(rule: string, body: string[], token: string, message: string | RegExp) {
  const text = doc(...body);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(token));
  return { rule, text, line: line + 1, col: lines[line]!.indexOf(token) + 1, token, message };
}

export const CUSTOMIZATION_RULE_CASES = [
  customCase(
    'component-config',
    ['  kubelet:', '    config: { maxPod: 110 }', '  nodes:', CP1],
    'maxPod',
    'KubeletConfiguration has no field "maxPod" (KubeletConfiguration, Kubernetes 1.36 types)',
  ),
  customCase(
    'extra-args',
    ['  controlPlane:', '    apiServer:', '      extraArgs: { advertise-address: 10.0.0.99 }', '  nodes:', CP1],
    'advertise-address',
    /^kube-apiserver flag --advertise-address is set by kspray and cannot be overridden: kubeadm sets it/,
  ),
  customCase(
    'extra-volume-names',
    ['  controlPlane:', '    apiServer:', '      extraVolumes: [ { name: audit-log, hostPath: /var/log/x, mountPath: /var/log/x } ]', '  nodes:', CP1],
    'audit-log',
    'extra volume "audit-log" is declared twice or clashes with a volume kspray mounts (kspray)',
  ),
  customCase(
    'config-document-kind',
    ['  controlPlane:', '    apiServer:', '      auditPolicy: { apiVersion: audit.k8s.io/v1beta1, kind: Policy }', '  nodes:', CP1],
    '{ apiVersion: audit',
    'spec.controlPlane.apiServer.auditPolicy must be a audit.k8s.io/v1 Policy document',
  ),
  customCase(
    'cert-san',
    ['  controlPlane:', '    apiServer: { certSANs: [ api.example.com, "bad name" ] }', '  nodes:', CP1],
    '"bad name"',
    'certSANs entry "bad name" is neither a DNS name nor an IP address',
  ),
  customCase(
    'unique-file-paths',
    ['  files:', '    - { path: /etc/motd, content: a }', '    - { path: /etc/motd, content: b }', '  nodes:', CP1],
    '/etc/motd, content: b',
    'file /etc/motd is listed twice (first at spec.files[0].path)',
  ),
  customCase(
    'no-key-paths-on-workers',
    ['  files:', '    - { path: /etc/kubernetes/pki/extra.pem, content: x }', '  nodes:', CP1, W1],
    '/etc/kubernetes/pki/extra.pem',
    'file /etc/kubernetes/pki/extra.pem would land on worker "w-1" under /etc/kubernetes/pki, which holds private keys on control planes',
  ),
  customCase('sysctls', ['  sysctls: { net.ipv4.ip_forward: "0" }', '  nodes:', CP1], 'net.ipv4.ip_forward', /^sysctl net\.ipv4\.ip_forward is set by kspray to 1/),
  customCase('patch-shape', ['  patches:', '    - { target: etcd, type: json, patch: { spec: {} } }', '  nodes:', CP1], '{ spec: {} }', 'a json patch must be a list of operations'),
];
