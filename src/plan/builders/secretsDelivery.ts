// spec.secrets.delivery fetch and aws-secrets-manager, the part a plan holds: where each node fetches
// its secret files (a URL, or the name of its secret) and which CA it trusts for that server. The node program reads KSPRAY_SECRETS_URL
// from node.env (bootstrap builder) and trusts /etc/kspray/secrets-ca.crt when the payload has it; emit/secretsFetch.ts moves the files out of the payload and pins
// the archive's sha256. Ignition nodes fetch through Ignition itself (its own TLS CA list) instead.
import type { ClusterModel, NodeModel } from '../../model/model.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { usesIgnition } from '../osProfile.js';

export const SECRETS_CA_PATH = '/etc/kspray/secrets-ca.crt';
export const SECRETS_ARCHIVE = 'secrets.tar';

export const archiveUrl = (urlBase: string, node: string): string => `${urlBase}/${node}/${SECRETS_ARCHIVE}`;
export const fileSourceUrl = (urlBase: string, node: string, path: string): string => `${urlBase}/${node}/files${path}`;

/**
 * The node program gets this node's secret files as one archive: cloud-init nodes with delivery
 * fetch, and every node with aws-secrets-manager (Ignition cannot call Secrets Manager, so on
 * Flatcar and Fedora CoreOS the node program fetches it too).
 */
export const fetchesArchive = (model: ClusterModel, node: NodeModel): boolean =>
  model.secrets.delivery === 'aws-secrets-manager' || (model.secrets.delivery === 'fetch' && !usesIgnition(node.os));

/** The IAM identity a node boots with: one per role, so a worker's credentials never read a control plane's secret. */
export const IDENTITY_ROLES = ['control-plane', 'etcd', 'worker'] as const;
export type IdentityRole = (typeof IDENTITY_ROLES)[number];

/** A node with several roles takes the one holding the most: control-plane (CA keys), then etcd (etcd CA key), then worker. */
export const identityRole = (node: NodeModel): IdentityRole => (node.isControlPlane ? 'control-plane' : node.roles.includes('etcd') ? 'etcd' : 'worker');

/**
 * The Secrets Manager name of a node's (or pool's) archive. Deterministic, and prefixed by role so a
 * role's IAM policy can name all of its secrets and no other role's: kspray/<cluster>/<role>/ (the
 * ARN adds a random 6-character suffix, hence a prefix and not exact names).
 */
export const awsSecretPrefix = (cluster: string, role: IdentityRole): string => `kspray/${cluster}/${role}/`;
export const awsSecretName = (cluster: string, node: NodeModel): string => `${awsSecretPrefix(cluster, identityRole(node))}${node.name}`;

/** node.env entries for the node program's `secrets` phase (none unless it fetches an archive). */
export function secretsEnv(model: ClusterModel, node: NodeModel): Array<[string, string]> {
  if (!fetchesArchive(model, node)) return [];
  if (model.secrets.delivery === 'fetch') return [['KSPRAY_SECRETS_URL', archiveUrl(model.secrets.urlBase!, node.name)]];
  // A pool's instances share one secret (every new instance of the pool needs it, until its token
  // expires): only a fixed node deletes its own after a successful bootstrap.
  return [
    ['KSPRAY_SECRETS_ID', awsSecretName(model.name, node)],
    ['KSPRAY_SECRETS_DELETE', node.kind === 'node' ? 'yes' : 'no'],
  ];
}

export const secretsDeliveryBuilder: Builder = {
  name: 'secretsDelivery',
  build({ model, node, plan }) {
    if (model.secrets.delivery !== 'fetch' || !fetchesArchive(model, node) || !model.secrets.caCert) return;
    const ca = model.secrets.caCert.endsWith('\n') ? model.secrets.caCert : `${model.secrets.caCert}\n`;
    addFile(plan, { path: SECRETS_CA_PATH, content: ca, mode: 0o644, builder: 'secretsDelivery', origin: ['spec', 'secrets', 'caCert'] });
  },
};
