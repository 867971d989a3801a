// `kspray scale` (Kubespray scale.yml): payloads for worker nodes added to the spec, from the same
// bundle, and a fresh bootstrap token when the current one has (or may have) expired.
//
// Tokens are append-only like the rest of the bundle: the first lives in bundle.json; each minted
// one is a new file secrets/tokens/<id>.json (never rewritten) and the newest one is current. The
// first token's expiry is only known from below (kubeadm init starts its TTL at first boot, after
// the bundle was made), so it counts as expired once bundle.createdAt + ttl - margin has passed:
// the check can mint a token early, never trust an expired one. A minted token's expiry is exact:
// its Secret manifest carries it.
import { stringify } from 'yaml';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { ClusterModel, NodeModel } from '../model/model.js';

export { TOKENS_DIR, currentToken, parseDuration, tokenExpiresAt, tokenFileName, tokenToFile, type BootstrapToken } from '../secrets/tokens.js';
import { tokenExpiresAt, type BootstrapToken } from '../secrets/tokens.js';

export type TokenState = { state: 'never-expires' } | { state: 'valid'; expiresAt: Date } | { state: 'expiring'; expiresAt: Date };

/** 'expiring' covers expired and expiring within `marginMs`: new nodes may boot a while after `now`. */
export function tokenState(token: BootstrapToken, now: Date, marginMs: number): TokenState {
  const expiresAt = tokenExpiresAt(token);
  if (!expiresAt) return { state: 'never-expires' };
  return expiresAt.getTime() - marginMs > now.getTime() ? { state: 'valid', expiresAt } : { state: 'expiring', expiresAt };
}

/**
 * kubeadm's bootstrap token Secret (what `kubeadm token create` writes): apply it with admin.conf
 * before the new nodes boot.
 */
export function bootstrapTokenSecret(token: BootstrapToken): string {
  const expiresAt = tokenExpiresAt(token);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${token.id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    stringData: {
      description: 'kspray scale: join token for nodes added to the spec',
      'token-id': token.id,
      'token-secret': token.secret,
      ...(expiresAt ? { expiration: expiresAt.toISOString().replace('.000Z', 'Z') } : {}),
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    },
  };
  return stringify(secret, { lineWidth: 0 });
}

export interface ScaleTargets {
  /** Fixed nodes with no payload yet, and every pool (a pool's payload must carry a valid token). */
  render: NodeModel[];
  /** Names of nodes added to the spec (no payload yet). */
  added: string[];
}

/**
 * What `kspray scale` renders. New control-plane or etcd nodes are refused: they change other
 * nodes' configuration (proxy upstreams, etcd membership, certificates), which scale must not touch
 * (Kubespray's scale.yml adds workers only; control planes go through cluster.yml).
 */
export function scaleTargets(model: ClusterModel, hasPayload: (name: string) => boolean): ScaleTargets {
  const added = model.nodes.filter((n) => n.kind === 'node' && !hasPayload(n.name));
  const refused = added.filter((n) => n.isControlPlane || n.isEtcd);
  if (refused.length) {
    throw new KsprayError(
      'input',
      refused.map((n) => ({ ...messages.scaleControlPlane(n.name), path: n.specPath })),
    );
  }
  const pools = model.nodes.filter((n) => n.kind === 'pool');
  return { render: [...added, ...pools], added: added.map((n) => n.name) };
}
