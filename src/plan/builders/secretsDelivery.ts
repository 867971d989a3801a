// spec.secrets.delivery fetch, the part a plan holds: where each node fetches its secret files and
// which CA it trusts for that server. The node program reads KSPRAY_SECRETS_URL
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

/** The node program downloads this node's archive (cloud-init nodes with delivery fetch). */
export const fetchesArchive = (model: ClusterModel, node: NodeModel): boolean => model.secrets.delivery === 'fetch' && !usesIgnition(node.os);

/** node.env entries for the node program's `secrets` phase (none unless it fetches an archive). */
export function secretsEnv(model: ClusterModel, node: NodeModel): Array<[string, string]> {
  if (!fetchesArchive(model, node)) return [];
  return [['KSPRAY_SECRETS_URL', archiveUrl(model.secrets.urlBase!, node.name)]];
}

export const secretsDeliveryBuilder: Builder = {
  name: 'secretsDelivery',
  build({ model, node, plan }) {
    if (!fetchesArchive(model, node) || !model.secrets.caCert) return;
    const ca = model.secrets.caCert.endsWith('\n') ? model.secrets.caCert : `${model.secrets.caCert}\n`;
    addFile(plan, { path: SECRETS_CA_PATH, content: ca, mode: 0o644, builder: 'secretsDelivery', origin: ['spec', 'secrets', 'caCert'] });
  },
};
