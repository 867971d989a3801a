// spec.secrets.delivery aws-secrets-manager, the store side: each node's (or pool's) secrets archive
// becomes its own Secrets Manager secret, under the deterministic name its payload names. Stored
// gzipped (the node gunzips, then checks the sha256 its payload pins over the tar): a control
// plane's RSA-2048 archive is ~54 KB as tar, Secrets Manager holds at most 64 KiB.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Rendered } from '../rendered.js';
import type { NodeModel } from '../model/model.js';
import { awsSecretName, identityRole, SECRETS_ARCHIVE } from '../plan/builders/secretsDelivery.js';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { SecretsManager } from './client.js';

/** Secrets Manager's limit for SecretBinary. */
export const SECRET_MAX_BYTES = 65536;

export interface NodeSecret {
  name: string;
  /** gzip of the node's secrets.tar: what the secret holds. */
  value: Buffer;
}

/** The secret of a node or pool, or undefined when the delivery is not aws-secrets-manager. */
export function nodeSecret(r: Rendered, node: NodeModel): NodeSecret | undefined {
  if (r.model.secrets.delivery !== 'aws-secrets-manager') return undefined;
  const archive = r.served.get(node.name)?.find((f) => f.relPath === `${node.name}/${SECRETS_ARCHIVE}`);
  if (!archive) return undefined;
  // Node's gzip writes no file name and mtime 0: the same archive is the same bytes on every run.
  const value = gzipSync(Buffer.from(archive.content), { level: 9 });
  if (value.length > SECRET_MAX_BYTES) throw new KsprayError('input', [{ ...messages.awsSecretTooLarge(node.name, value.length), path: ['spec', 'pki', 'algorithm'] }]);
  return { name: awsSecretName(r.model.name, node), value };
}

/**
 * Stores the secret: CreateSecret, or PutSecretValue when it exists. The request token is the
 * value's sha256, so a retried apply with the same archive is a no-op and a new archive a new version.
 */
export async function storeNodeSecret(sm: SecretsManager, cluster: string, node: NodeModel, secret: NodeSecret): Promise<string> {
  const ClientRequestToken = createHash('sha256').update(secret.value).digest('hex');
  const Tags = [
    { Key: 'kspray.dev/cluster', Value: cluster },
    { Key: node.kind === 'pool' ? 'kspray.dev/pool' : 'kspray.dev/node', Value: node.name },
    { Key: 'kspray.dev/role', Value: identityRole(node) },
  ];
  const created = await sm.send(
    'CreateSecret',
    { Name: secret.name, SecretBinary: secret.value, ClientRequestToken, Description: `kspray ${cluster}: keys, certificates and token of ${node.name} (gzipped tar)`, Tags },
    ['ResourceExistsException'],
  );
  if (!created.$error) return `secret ${secret.name} created`;
  await sm.send('PutSecretValue', { SecretId: secret.name, SecretBinary: secret.value, ClientRequestToken });
  return `secret ${secret.name} updated`;
}
