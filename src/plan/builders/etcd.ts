// External etcd (spec.etcd.topology: external): every etcd-role node runs etcd as a systemd service,
// bootstrapped statically (every member's name and address is in the spec, so --initial-cluster is
// known up front and no discovery service is needed), with mutual TLS on the client and peer ports.
// Settings are Kubespray's host-deployed etcd (roles/etcd/templates/etcd.env.j2, etcd-host.service.j2).
//
// Only flags that etcd 3.4 (Debian's etcd-server, which the tests run) and 3.6 (the catalog version
// for Kubernetes 1.35+) both accept are written. Left out on purpose: ETCD_PROXY (v2 proxy, gone in
// 3.6), ETCD_LOGGER/ETCD_ENABLE_V2 (removed or defaulted differently across those versions) and
// every ETCD_EXPERIMENTAL_* (renamed to feature gates in 3.6).
import {
  ETCD_CLIENT_PORT,
  ETCD_PEER_PORT,
  etcdMembers,
  isExternalEtcdMember,
  type ClusterModel,
  type NodeModel,
} from '../../model/model.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { osProfile } from '../osProfile.js';
import { hostPort } from '../../model/address.js';

export const ETCD_PKI_DIR = '/etc/etcd/pki';
export const ETCD_ENV_PATH = '/etc/etcd/etcd.env';
export const ETCD_DATA_DIR = '/var/lib/etcd';
export const ETCD_UNIT = 'etcd.service';

/** Kubespray's etcd defaults (roles/etcd/defaults/main.yml; the quota as kspray's stacked etcd). */
export const ETCD_TUNING = {
  ETCD_QUOTA_BACKEND_BYTES: '2147483648',
  ETCD_SNAPSHOT_COUNT: '10000',
  ETCD_AUTO_COMPACTION_RETENTION: '8',
  ETCD_HEARTBEAT_INTERVAL: '250',
  ETCD_ELECTION_TIMEOUT: '5000',
  ETCD_METRICS: 'basic',
} as const;

// Type=notify: systemd knows etcd is up once it serves clients, which needs quorum. The node
// program starts it with --no-block and waits for /health itself (bounded), because the first
// member to boot has no quorum until the others come up; TimeoutStartSec=0 stops systemd killing
// it meanwhile.
const etcdService = (binDir: string) => `# Written by kspray: external etcd member (spec.etcd.topology: external).
[Unit]
Description=etcd key-value store (kspray external etcd member)
Documentation=https://etcd.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
EnvironmentFile=${ETCD_ENV_PATH}
ExecStart=${binDir}/etcd
NotifyAccess=all
Restart=always
RestartSec=10s
TimeoutStartSec=0
LimitNOFILE=40000

[Install]
WantedBy=multi-user.target
`;

// The primary-family address (etcd advertises one URL per member); IPv6 in brackets.
const peerUrl = (n: NodeModel) => `https://${hostPort(n.address!, ETCD_PEER_PORT)}`;
const clientUrl = (address: string) => `https://${hostPort(address, ETCD_CLIENT_PORT)}`;

/** ETCD_* variables for one member, in a fixed order (systemd EnvironmentFile: KEY=value, no quoting needed). */
export function etcdEnv(model: ClusterModel, node: NodeModel): Array<[string, string]> {
  const members = etcdMembers(model);
  return [
    ['ETCD_NAME', node.name],
    ['ETCD_DATA_DIR', ETCD_DATA_DIR],
    ['ETCD_LISTEN_CLIENT_URLS', `${clientUrl(node.address!)},${clientUrl('127.0.0.1')}`],
    ['ETCD_ADVERTISE_CLIENT_URLS', clientUrl(node.address!)],
    ['ETCD_LISTEN_PEER_URLS', peerUrl(node)],
    ['ETCD_INITIAL_ADVERTISE_PEER_URLS', peerUrl(node)],
    ['ETCD_INITIAL_CLUSTER', members.map((m) => `${m.name}=${peerUrl(m)}`).join(',')],
    ['ETCD_INITIAL_CLUSTER_STATE', 'new'],
    ['ETCD_INITIAL_CLUSTER_TOKEN', model.name],
    ['ETCD_CLIENT_CERT_AUTH', 'true'],
    ['ETCD_TRUSTED_CA_FILE', `${ETCD_PKI_DIR}/ca.crt`],
    ['ETCD_CERT_FILE', `${ETCD_PKI_DIR}/server.crt`],
    ['ETCD_KEY_FILE', `${ETCD_PKI_DIR}/server.key`],
    ['ETCD_PEER_CLIENT_CERT_AUTH', 'true'],
    ['ETCD_PEER_TRUSTED_CA_FILE', `${ETCD_PKI_DIR}/ca.crt`],
    ['ETCD_PEER_CERT_FILE', `${ETCD_PKI_DIR}/peer.crt`],
    ['ETCD_PEER_KEY_FILE', `${ETCD_PKI_DIR}/peer.key`],
    ...Object.entries({ ...ETCD_TUNING, ...userEtcdEnv(model) }),
  ];
}

/**
 * spec.etcd.extraArgs as etcd's environment (every flag --x-y is also ETCD_X_Y); the rules refuse
 * the flags set above, so a user value can only replace a tuning default or add a setting.
 */
function userEtcdEnv(model: ClusterModel): Record<string, string> {
  return Object.fromEntries(Object.entries(model.custom.etcdExtraArgs).map(([flag, v]) => [`ETCD_${flag.toUpperCase().replace(/-/g, '_')}`, v]));
}

export function etcdEnvFile(model: ClusterModel, node: NodeModel): string {
  const header =
    `# Written by kspray: etcd ${model.versions.etcd} member ${node.name} of cluster ${model.name}.\n` +
    '# Static bootstrap: every member is listed in ETCD_INITIAL_CLUSTER. A member re-added after\n' +
    '# `etcdctl member add` starts with an empty data dir and ETCD_INITIAL_CLUSTER_STATE=existing.\n';
  return header + etcdEnv(model, node).map(([k, v]) => `${k}=${v}\n`).join('');
}

export const etcdBuilder: Builder = {
  name: 'etcd',
  build({ model, node, pki, plan }) {
    if (!isExternalEtcdMember(model, node)) return;
    const b = { builder: 'etcd', origin: node.specPath };
    addFile(plan, { ...b, path: `/etc/systemd/system/${ETCD_UNIT}`, content: etcdService(osProfile(node.os).binDir), mode: 0o644 });
    addFile(plan, { ...b, path: ETCD_ENV_PATH, content: etcdEnvFile(model, node), mode: 0o644 });
    for (const f of pki.etcdMemberFiles(node.name)) {
      addFile(plan, { ...b, path: `${ETCD_PKI_DIR}/${f.relPath}`, content: f.content, mode: f.secret ? 0o600 : 0o644, secret: f.secret, pki: true });
    }
  },
};
