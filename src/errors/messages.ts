// Every message kspray shows a user lives here, so wording stays consistent and reviewable.
// Each returns { rule, message, hint }; callers add the spec path.
import { formatSpecPath, type SpecPath } from './errors.js';
import { closest, knownKeysAt } from '../spec/knownKeys.js';

type Msg = { rule: string; message: string; hint?: string };
const at = (path: SpecPath) => (path.length ? formatSpecPath(path) : 'the document');

export const messages = {
  // --- spec/ (syntax and shape) ---
  yamlSyntax: (detail: string): Msg => ({ rule: 'yaml-syntax', message: `YAML syntax error: ${detail}`, hint: 'Fix the YAML at this position.' }),
  notAMapping: (): Msg => ({
    rule: 'not-a-mapping',
    message: 'the spec must be a YAML mapping with apiVersion, kind, metadata and spec',
    hint: 'Run `kspray init` for a commented starter cluster.yaml.',
  }),
  unsupportedApiVersion: (found: string): Msg => ({
    rule: 'api-version',
    message: `apiVersion "${found}" is not supported`,
    hint: 'Use apiVersion: kspray.dev/v1alpha1.',
  }),
  unknownKey: (key: string, parent: SpecPath): Msg => {
    const known = knownKeysAt(parent);
    const guess = closest(key, known);
    return {
      rule: 'unknown-key',
      message: `unknown key "${key}" in ${at(parent)}`,
      hint: guess ? `Did you mean "${guess}"?` : known.length ? `Allowed keys: ${known.join(', ')}.` : 'Remove it.',
    };
  },
  invalidValue: (path: SpecPath, allowed: string[], input?: unknown): Msg => ({
    rule: 'invalid-value',
    message:
      input === undefined
        ? `${at(path)} is missing`
        : `invalid value ${input !== null && typeof input === 'object' ? describe(input) : JSON.stringify(input)} for ${at(path)}`,
    hint: `Use one of: ${allowed.join(', ')}.`,
  }),
  invalidType: (path: SpecPath, expected: string, input: unknown): Msg => ({
    rule: 'invalid-type',
    message: `${at(path)} must be ${expected === 'array' ? 'a list' : expected === 'object' ? 'a mapping' : `a ${expected}`}${input === undefined ? ' and is missing' : `, not ${describe(input)}`}`,
    hint:
      expected === 'string' && typeof input === 'number'
        ? 'Quote the value (e.g. "1.35.4"): unquoted YAML numbers lose digits.'
        : input === undefined
          ? 'Add it.'
          : undefined,
  }),
  invalidField: (path: SpecPath, detail: string): Msg => ({ rule: 'invalid-field', message: `${at(path)}: ${detail}` }),
  // --- model/ rules (rule names match model/rules.ts) ---
  notDns1123: (name: string): Msg => ({
    rule: 'dns1123-name',
    message: `"${name}" is not a valid DNS-1123 label`,
    hint: 'Use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit.',
  }),
  badCidr: (field: string, text: string): Msg => ({
    rule: 'valid-cidr',
    message: `${field} "${text}" is not an IPv4 CIDR with its host bits zero`,
    hint: 'Write it as network/prefix, e.g. 10.233.64.0/18.',
  }),
  cidrOverlap: (svc: string, pod: string): Msg => ({
    rule: 'cidr-overlap',
    message: `podSubnet ${pod} overlaps serviceSubnet ${svc}`,
    hint: "Pick disjoint ranges, e.g. Kubespray's 10.233.0.0/18 (services) and 10.233.64.0/18 (pods).",
  }),
  nodeCidrTooBig: (mask: number, prefix: number): Msg => ({
    rule: 'node-cidr-fits-pod-subnet',
    message: `nodeCidrMaskSize /${mask} is not smaller than the pod subnet /${prefix}`,
    hint: `Use a mask size greater than ${prefix}, or a bigger podSubnet.`,
  }),
  badAddress: (text: string): Msg => ({ rule: 'valid-address', message: `"${text}" is not an IPv4 address`, hint: 'Write it as a.b.c.d.' }),
  addressInClusterSubnet: (addr: string, field: string, cidr: string): Msg => ({
    rule: 'address-outside-cluster-subnets',
    message: `node address ${addr} is inside ${field} ${cidr}`,
    hint: 'Node addresses must be outside the pod and service subnets; change the address or the subnet.',
  }),
  duplicateName: (name: string, firstAt: string): Msg => ({
    rule: 'unique-node-names',
    message: `node or pool name "${name}" is used twice (first at ${firstAt})`,
    hint: 'Give every node and pool its own name.',
  }),
  duplicateAddress: (addr: string, first: string): Msg => ({
    rule: 'unique-addresses',
    message: `address ${addr} is used twice (first by ${first})`,
    hint: 'Give every node its own address.',
  }),
  noControlPlane: (): Msg => ({
    rule: 'has-control-plane',
    message: 'no node has the control-plane role',
    hint: 'Add roles: [control-plane] to at least one node (three for HA).',
  }),
  controlPlaneInPool: (pool: string): Msg => ({
    rule: 'control-plane-has-fixed-address',
    message: `pool "${pool}" has the control-plane or etcd role`,
    hint: 'Control-plane and etcd nodes need a fixed name and address: declare them under spec.nodes.',
  }),
  etcdRoleWithoutControlPlane: (name: string): Msg => ({
    rule: 'stacked-etcd-on-control-plane',
    message: `node "${name}" has the etcd role without control-plane, but etcd.topology is stacked`,
    hint: 'With stacked etcd every control-plane node is an etcd member: give it control-plane too, or use etcd.topology: external.',
  }),
  evenEtcd: (count: number): Msg => ({
    rule: 'odd-etcd-members',
    message: `${count} etcd members: an even count tolerates no more failures than one fewer`,
    hint: `Use ${count - 1} or ${count + 1} control-plane (etcd) nodes.`,
  }),
  unknownKubernetesVersion: (v: string, known: string[]): Msg => ({
    rule: 'known-kubernetes-version',
    message: `kubernetes version "${v}" has no checksums in the catalog`,
    hint: `Use one of: ${known.join(', ')}.`,
  }),
  notImplemented: (value: string, allowed: string[]): Msg => ({
    rule: 'implemented-choices',
    message: `"${value}" is not implemented yet`,
    hint: `Use one of: ${allowed.join(', ')}.`,
  }),
  externalNeedsEndpoint: (): Msg => ({
    rule: 'external-lb-needs-endpoint',
    message: 'loadBalancer: external needs controlPlane.endpoint (the load balancer address)',
    hint: 'Set controlPlane.endpoint to the LB DNS name or IP, e.g. api.example.com:6443.',
  }),
  badEndpoint: (text: string): Msg => ({
    rule: 'valid-endpoint',
    message: `controlPlane.endpoint "${text}" is not host or host:port`,
    hint: 'Use a DNS name or IPv4 address with an optional port, e.g. api.example.com:6443.',
  }),
  // --- io/ ---
  cannotRead: (path: string, code: string): Msg => ({
    rule: 'cannot-read',
    message: `cannot read ${path} (${code})`,
    hint: code === 'ENOENT' ? 'Check the path, or run `kspray init` to write a starter cluster.yaml.' : undefined,
  }),
  secretExists: (path: string, code: string): Msg => ({
    rule: 'secret-exists',
    message: `refusing to overwrite ${path} (${code})`,
    hint: 'The secrets bundle is never overwritten; move the file away only if you are sure it is not in use.',
  }),
  // --- secrets/ ---
  bundleCorrupt: (file: string, detail: string): Msg => ({
    rule: 'secrets-bundle-intact',
    message: `secrets bundle file ${file} is corrupt: ${detail}`,
    hint: 'Restore the whole secrets directory from your backup: its CAs and keys cannot be recreated without locking every existing node and kubeconfig out of the cluster.',
  }),
  bundleVersion: (file: string, found: unknown): Msg => ({
    rule: 'secrets-bundle-version',
    message: `secrets bundle file ${file} has format version ${JSON.stringify(found)}; this kspray reads version 1`,
    hint: 'Use the kspray release that wrote this bundle, or restore the secrets directory from your backup.',
  }),
  bundleClusterMismatch: (bundleCluster: string, specCluster: string): Msg => ({
    rule: 'bundle-matches-cluster',
    message: `the secrets bundle belongs to cluster "${bundleCluster}", not "${specCluster}"`,
    hint: `Use the secrets directory of cluster "${specCluster}", or set metadata.name back to "${bundleCluster}".`,
  }),
  bundleAlgorithmMismatch: (bundleAlgorithm: string, specAlgorithm: string): Msg => ({
    rule: 'pki-algorithm-fixed',
    message: `pki.algorithm is ${specAlgorithm}, but the secrets bundle's CAs use ${bundleAlgorithm}`,
    hint: `Set spec.pki.algorithm: ${bundleAlgorithm}; the algorithm is fixed when the bundle is created.`,
  }),
  leafKeyMissing: (name: string): Msg => ({
    rule: 'leaf-key-present',
    message: `the secrets bundle has no leaf key "${name}"`,
    hint: 'This is a kspray bug: leaf keys must be ensured (ensureLeafKeys) before certificates are issued.',
  }),
  notControlPlaneNode: (name: string): Msg => ({
    rule: 'control-plane-files',
    message: `"${name}" is not a control-plane node, so it gets no /etc/kubernetes/pki files`,
    hint: 'This is a kspray bug: only control-plane nodes receive CA keys and leaf certificates.',
  }),
};

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
