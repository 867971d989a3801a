// One spec per spec.addons rule (src/model/addonRules.ts), in rule order, for rules.test.ts's
// "one spec per rule" table. Line and column are found in the text itself (the first occurrence of
// the token), so they say where the caret must land independently of the locator under test.
import { HEAD } from '../helpers/specErrors.js';

const CP1 = '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }';
const doc = (...body: string[]) => `${HEAD}${body.join('\n')}\n`;

function addonCase(rule: string, addonsLine: string, token: string, message: string | RegExp) {
  const text = doc('  addons:', addonsLine, '  nodes:', CP1);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(token));
  return { rule, text, line: line + 1, col: lines[line]!.indexOf(token) + 1, token, message };
}

export const ADDON_RULE_CASES = [
  addonCase('dns-server-address', '    coredns: { upstreamServers: [8.8.8.8, dns.google] }', 'dns.google', 'DNS server "dns.google" is not an IP address with an optional port'),
  addonCase(
    'coredns-zone-name',
    '    coredns: { zones: [{ name: svc.cluster.local, servers: [10.0.0.53] }] }',
    'svc.cluster.local',
    /^coredns zone "svc\.cluster\.local" would take over names CoreDNS answers from the cluster/,
  ),
  addonCase('dns-autoscaler-bounds', '    dnsAutoscaler: { min: 3, max: 2 }', '2 }', 'dnsAutoscaler.max 2 is below dnsAutoscaler.min 3'),
  addonCase('registry-size-needs-storage-class', '    registry: { size: 20Gi }', '20Gi', /^registry\.size is set but registry\.storageClass is not/),
  addonCase('registry-claim-provisioner', '    registry: { storageClass: local-path }', 'local-path', /^registry\.storageClass is "local-path", the local-path-provisioner's class/),
  addonCase('addon-object-names', '    localPathProvisioner: { namespace: Local_Path }', 'Local_Path', 'namespace name "Local_Path" is not valid in Kubernetes'),
  addonCase('local-path-claim-root', '    localPathProvisioner: { claimRoot: var/lib/lpp }', 'var/lib/lpp', 'localPathProvisioner.claimRoot "var/lib/lpp" is not an absolute directory below /'),
];
