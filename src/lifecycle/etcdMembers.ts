// etcd membership changes the way `kspray remove-node` makes them (Kubespray's remove-node.yml:
// `etcdctl member remove <id>` for the node, found by its peer URL). Pure functions over etcdctl's
// JSON so the decisions are tested without a cluster; the caller runs etcdctl.
import { messages, type Msg } from '../errors/messages.js';
//
// A member is matched by its peer URL, exactly (after normalizing the URL), never by a substring of
// the name or the address: "https://10.0.0.1:2380" must not match "https://10.0.0.11:2380", and a
// member called "etcd-1" is not "etcd-10".

export interface EtcdMember {
  /** Hex member ID, as `etcdctl member remove` takes it. */
  id: string;
  /** Empty for a member added but not started yet. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/**
 * Parses `etcdctl member list -w json`. Member IDs are uint64 and JSON numbers above 2^53 lose
 * precision in JavaScript, so the big integers are read as text before JSON.parse.
 */
export function parseMemberList(json: string): EtcdMember[] {
  const safe = json.replace(/("(?:ID|id|cluster_id|member_id|revision|raft_term)"\s*:\s*)(\d+)/g, '$1"$2"');
  const doc = JSON.parse(safe) as { members?: Array<{ ID: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }> };
  return (doc.members ?? []).map((m) => ({
    id: BigInt(m.ID).toString(16),
    name: m.name ?? '',
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
    isLearner: m.isLearner ?? false,
  }));
}

/** "HTTPS://10.0.0.1:2380/" → "https://10.0.0.1:2380" (scheme and host case, trailing slash). */
export function normalizePeerUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/** The member whose peer URLs include `peerUrl`, or undefined. Two matches is an error (etcd forbids it). */
export function findMemberByPeerUrl(members: EtcdMember[], peerUrl: string): EtcdMember | undefined {
  const want = normalizePeerUrl(peerUrl);
  const hits = members.filter((m) => m.peerURLs.some((u) => normalizePeerUrl(u) === want));
  if (hits.length > 1) throw new Error(`etcd: ${hits.length} members have peer URL ${want}`);
  return hits[0];
}

/**
 * What removing the member at `peerUrl` does: the etcdctl arguments, or why not. Refused when it
 * is not a member (nothing to do: already removed) or when the remaining voting members would be
 * none (removing the last voting member destroys the cluster).
 */
export function planMemberRemoval(
  members: EtcdMember[],
  peerUrl: string,
): { action: 'remove'; member: EtcdMember; args: string[] } | { action: 'absent' } | { action: 'refuse'; problem: Msg } {
  const member = findMemberByPeerUrl(members, peerUrl);
  if (!member) return { action: 'absent' };
  const voters = members.filter((m) => !m.isLearner);
  if (!member.isLearner && voters.length <= 1) return { action: 'refuse', problem: messages.etcdLastMember(normalizePeerUrl(peerUrl)) };
  return { action: 'remove', member, args: ['member', 'remove', member.id] };
}

/** `etcdctl member add NAME --peer-urls=URL`, for a node re-added after removal. */
export function memberAddArgs(name: string, peerUrl: string): string[] {
  return ['member', 'add', name, `--peer-urls=${normalizePeerUrl(peerUrl)}`];
}

/**
 * The environment a re-added member starts with: its generated etcd.env, joining the existing
 * cluster (every current member plus itself in ETCD_INITIAL_CLUSTER) instead of bootstrapping a
 * new one. Its data dir must be empty: the old member's data belongs to a removed ID.
 */
export function rejoinEnv(env: Record<string, string>, members: EtcdMember[], name: string, peerUrl: string): Record<string, string> {
  const others = members
    .filter((m) => !m.peerURLs.some((u) => normalizePeerUrl(u) === normalizePeerUrl(peerUrl)))
    .filter((m) => m.name !== '')
    // etcdctl lists members in ID order, which is random: sort by name for a stable result.
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((m) => `${m.name}=${normalizePeerUrl(m.peerURLs[0]!)}`);
  return {
    ...env,
    ETCD_INITIAL_CLUSTER: [...others, `${name}=${normalizePeerUrl(peerUrl)}`].join(','),
    ETCD_INITIAL_CLUSTER_STATE: 'existing',
  };
}
