// One spec per Kubernetes-name rule (src/model/nameRules.ts), in rule order, for rules.test.ts's
// "one spec per rule" table. Line and column are found in the text itself (the first occurrence of
// the token), so they say where the caret must land independently of the locator under test.
import { HEAD } from '../helpers/specErrors.js';

const doc = (...body: string[]) => `${HEAD}${body.join('\n')}\n`;
const cp1 = (extra: string) => `    - { name: cp-1, address: 10.0.0.11, roles: [control-plane], ${extra} }`;
/** A syntactically real ed25519 public key line (the blob names its type; not anyone's key). */
export const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsprayExampleKeyOnlyNotARealKeyxxxxxxxxxx ops@example';

function nameCase(rule: string, body: string[], token: string, message: string | RegExp) {
  const text = doc(...body);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(token));
  return { rule, text, line: line + 1, col: lines[line]!.indexOf(token) + 1, token, message };
}

export const NAME_RULE_CASES = [
  nameCase('label-key', ['  nodes:', cp1('labels: { "tier $(id)": web }')], '"tier $(id)"', /^label key "tier \$\(id\)" is not a Kubernetes qualified name: the name part/),
  nameCase('label-value', ['  nodes:', cp1('labels: { example.com/tier: "web\\nrm -rf /" }')], '"web\\nrm', /^label example\.com\/tier: value "web\\nrm -rf \/" is not a Kubernetes label value/),
  nameCase('kubelet-label-namespace', ['  nodes:', cp1('labels: { node-role.kubernetes.io/worker: "" }')], 'node-role.kubernetes.io/worker', /^kubelet refuses to set label "node-role\.kubernetes\.io\/worker"/),
  nameCase('taint-key', ['  nodes:', cp1('taints: [{ key: "Example.com/gpu", effect: NoSchedule }]')], '"Example.com/gpu"', 'taint key "Example.com/gpu" is not a Kubernetes qualified name: the prefix before "/" is not a DNS subdomain (lower-case letters, digits, "-" and ".")'),
  nameCase('taint-value', ['  nodes:', cp1('taints: [{ key: example.com/gpu, value: "a,b=c", effect: NoSchedule }]')], '"a,b=c"', /^taint value "a,b=c" is not valid/),
  nameCase('ssh-authorized-key', ['  ssh:', `    authorizedKeys: ["${SSH_KEY}\\nssh-rsa AAAAB3 evil"]`, '  nodes:', cp1('os: ubuntu-24.04')], '"ssh-ed25519', /^not a single-line OpenSSH public key: it spans more than one line/),
];
