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
  /** The added nodes that are control planes (they join with kubeadm join --control-plane). */
  addedControlPlanes: string[];
  /** Things the user must know (e.g. boot new control planes one at a time). */
  warnings: string[];
}

/**
 * What `kspray scale` renders. Workers, and control planes of a stacked etcd (kubeadm join
 * --control-plane adds the node's etcd member itself, so etcd membership follows the joins); the
 * spec's odd-etcd-members rule has already refused an even member count. New external etcd members
 * are refused: their membership needs `etcdctl member add` before they start, and the control
 * planes' etcd endpoints change (Kubespray adds etcd members through cluster.yml too).
 */
export function scaleTargets(model: ClusterModel, hasPayload: (name: string) => boolean): ScaleTargets {
  const added = model.nodes.filter((n) => n.kind === 'node' && !hasPayload(n.name));
  const refused = added.filter((n) => n.isEtcd && model.etcd.topology === 'external');
  if (refused.length) {
    throw new KsprayError(
      'input',
      refused.map((n) => ({ ...messages.scaleControlPlane(n.name), path: n.specPath })),
    );
  }
  const newFirst = added.find((n) => n.isFirstControlPlane);
  // The first control plane runs kubeadm init: a new one listed first would start a second cluster.
  if (newFirst) throw new KsprayError('input', [{ ...messages.scaleNewFirstControlPlane(newFirst.name), path: newFirst.specPath }]);
  const cps = added.filter((n) => n.isControlPlane);
  const warnings: string[] = [];
  if (cps.length > 1 && model.etcd.topology === 'stacked') {
    // etcd adds members one at a time: a second `member add` before the first new member is up
    // leaves two unstarted members, and 3 of 5 must stay up for quorum meanwhile.
    warnings.push(`boot the new control planes one at a time (${cps.map((n) => n.name).join(', then ')}), each Ready before the next: each kubeadm join adds an etcd member, and etcd adds members one at a time`);
  }
  const pools = model.nodes.filter((n) => n.kind === 'pool');
  return { render: [...added, ...pools], added: added.map((n) => n.name), addedControlPlanes: cps.map((n) => n.name), warnings };
}
