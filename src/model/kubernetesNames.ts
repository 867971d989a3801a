// Kubernetes' own syntax for names kubelet passes on (k8s.io/apimachinery/pkg/util/validation:
// IsQualifiedName, IsValidLabelValue, IsDNS1123Subdomain) and kubelet's own restriction on the
// labels it may set on its Node (pkg/kubelet/apis/well_known_labels.go: KubeletLabels,
// KubeletLabelNamespaces; cmd/kubelet/app/options.go refuses others in kubernetes.io and k8s.io).
// Each check returns why a value is refused, or undefined: the same reasons kubelet would give at
// boot, given here at render time.

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why `key` is not a qualified name ([prefix/]name), or undefined. Label, taint and annotation keys. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'it has more than one "/" (a qualified name is [prefix/]name)';
  const [prefix, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  if (prefix !== undefined) {
    if (prefix === '') return 'the prefix before "/" is empty';
    if (prefix.length > 253) return 'the prefix before "/" is longer than 253 characters';
    if (!DNS1123_SUBDOMAIN.test(prefix)) return 'the prefix before "/" is not a DNS subdomain (lower-case letters, digits, "-" and ".")';
  }
  if (name === '') return 'the name part is empty';
  if (name.length > 63) return 'the name part is longer than 63 characters';
  if (!NAME_PART.test(name)) return 'the name part must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** Why `value` is not a label value (also a taint value), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return 'it is longer than 63 characters';
  if (!LABEL_VALUE.test(value)) return 'a label value is empty or letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** Labels in kubernetes.io / k8s.io that kubelet may set on its own Node (upstream list, v1.30+ unchanged). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const RESERVED_NAMESPACES = ['kubernetes.io', 'k8s.io'];

const inNamespace = (ns: string, of: string) => ns === of || ns.endsWith(`.${of}`);

/** True when kubelet refuses `--node-labels` with this key (and so never starts). */
export function kubeletRefusesLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const ns = key.slice(0, slash);
  if (!RESERVED_NAMESPACES.some((r) => inNamespace(ns, r))) return false;
  return !KUBELET_LABELS.has(key) && !KUBELET_LABEL_NAMESPACES.some((k) => inNamespace(ns, k));
}

/** OpenSSH public key types (sshd's PROTOCOL.key / ssh-keygen -t), as the first field of the key blob. */
const SSH_KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-dss',
]);

/**
 * Why `line` is not one authorized_keys line ([options ]type base64[ comment]) whose base64 blob
 * names the same key type, or undefined. A newline would split it into lines sshd reads apart.
 */
export function sshPublicKeyProblem(line: string): string | undefined {
  if (/[\r\n\0]/.test(line)) return 'it spans more than one line (an authorized_keys entry is one line)';
  const fields = line.trim().split(/\s+/);
  const at = fields.findIndex((f) => SSH_KEY_TYPES.has(f));
  if (at < 0) return `it names no OpenSSH key type (${[...SSH_KEY_TYPES].slice(0, 3).join(', ')}, …); is it a private key or a PEM/SSH2-format key?`;
  const blob = fields[at + 1];
  if (blob === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return 'the key data after the type is not base64';
  const bytes = Buffer.from(blob, 'base64');
  const len = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  if (len < 0 || 4 + len > bytes.length || bytes.subarray(4, 4 + len).toString('latin1') !== fields[at]) {
    return `the key data is not an OpenSSH ${fields[at]} public key`;
  }
  return undefined;
}
