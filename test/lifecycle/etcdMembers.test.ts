// remove-node's etcd logic without a cluster: parsing etcdctl's JSON (uint64 IDs), matching a
// member by its exact peer URL (never a substring), and the re-add environment.
import { describe, expect, test } from 'vitest';
import {
  findMemberByPeerUrl,
  memberAddArgs,
  normalizePeerUrl,
  parseMemberList,
  planMemberRemoval,
  rejoinEnv,
} from '../../src/lifecycle/etcdMembers.js';

// Shape of `etcdctl member list -w json` (3.4): IDs above 2^53, which JSON.parse would round.
const LIST = `{"header":{"cluster_id":17237436991929493444,"member_id":9372538179322589801,"raft_term":2},"members":[
{"ID":9372538179322589801,"name":"etcd-1","peerURLs":["https://10.0.1.1:2380"],"clientURLs":["https://10.0.1.1:2379"]},
{"ID":10501334649042878790,"name":"etcd-10","peerURLs":["https://10.0.1.10:2380"],"clientURLs":["https://10.0.1.10:2379"]},
{"ID":18249187646912138824,"name":"etcd-11","peerURLs":["https://10.0.1.11:2380"],"clientURLs":["https://10.0.1.11:2379"]}]}`;

describe('etcd membership (remove-node)', () => {
  test('parses uint64 member IDs exactly, as the hex etcdctl member remove takes', () => {
    const members = parseMemberList(LIST);
    expect(members.map((m) => m.id)).toEqual(['8211f1d0f64f3269', '91bc3c398fb3c146', 'fd422379fda50e48']);
    expect(members.map((m) => m.name)).toEqual(['etcd-1', 'etcd-10', 'etcd-11']);
  });

  test('matches by exact peer URL, never by substring of the address or name', () => {
    const members = parseMemberList(LIST);
    expect(findMemberByPeerUrl(members, 'https://10.0.1.1:2380')?.name).toBe('etcd-1');
    expect(findMemberByPeerUrl(members, 'https://10.0.1.11:2380')?.name).toBe('etcd-11');
    expect(findMemberByPeerUrl(members, 'HTTPS://10.0.1.10:2380/')?.name).toBe('etcd-10');
    expect(findMemberByPeerUrl(members, 'https://10.0.1.1:238')).toBeUndefined();
    expect(findMemberByPeerUrl(members, 'https://10.0.1.1:2379')).toBeUndefined();
    expect(findMemberByPeerUrl(members, 'http://10.0.1.1:2380')).toBeUndefined();
  });

  test('plans the removal, reports an absent member, refuses the last voter', () => {
    const members = parseMemberList(LIST);
    expect(planMemberRemoval(members, 'https://10.0.1.11:2380')).toMatchObject({ action: 'remove', args: ['member', 'remove', 'fd422379fda50e48'] });
    expect(planMemberRemoval(members, 'https://10.0.1.12:2380')).toEqual({ action: 'absent' });
    const last = planMemberRemoval(members.slice(0, 1), 'https://10.0.1.1:2380');
    expect(last.action).toBe('refuse');
    if (last.action === 'refuse') expect(last.problem.message).toContain('last voting member');
    expect(() => findMemberByPeerUrl([...members, { ...members[0]!, id: '1' }], 'https://10.0.1.1:2380')).toThrow(/2 members/);
  });

  test('re-adds with member add and joins the existing cluster', () => {
    expect(memberAddArgs('etcd-11', 'https://10.0.1.11:2380/')).toEqual(['member', 'add', 'etcd-11', '--peer-urls=https://10.0.1.11:2380']);
    // After `member add`, the new member is listed without a name until it starts.
    const afterAdd = parseMemberList(LIST.replace('"name":"etcd-11",', ''));
    const env = rejoinEnv({ ETCD_NAME: 'etcd-11', ETCD_INITIAL_CLUSTER_STATE: 'new', ETCD_SNAPSHOT_COUNT: '10000' }, afterAdd, 'etcd-11', 'https://10.0.1.11:2380');
    expect(env).toEqual({
      ETCD_NAME: 'etcd-11',
      ETCD_SNAPSHOT_COUNT: '10000',
      ETCD_INITIAL_CLUSTER_STATE: 'existing',
      ETCD_INITIAL_CLUSTER: 'etcd-1=https://10.0.1.1:2380,etcd-10=https://10.0.1.10:2380,etcd-11=https://10.0.1.11:2380',
    });
    expect(normalizePeerUrl('HTTPS://Node-1.example:2380/')).toBe('https://node-1.example:2380');
  });
});
