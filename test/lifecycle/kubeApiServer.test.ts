// The local API server (test/helpers/kubeApiServer.ts) against the real kubectl: what the lifecycle
// commands rely on (cordon, drain with eviction, apply, get, delete) works, and is recorded.
import { afterEach, describe, expect, it } from 'vitest';
import { realKubectl } from '../../src/lifecycle/kubectl.js';
import { readyNode, runningPod, startKubeApiServer, type KubeApiServer } from '../helpers/kubeApiServer.js';

let api: KubeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('local Kubernetes API server with the real kubectl', () => {
  it('cordons and drains (evicting non-DaemonSet pods), uncordons, deletes a node', async () => {
    api = await startKubeApiServer();
    api.put('nodes', readyNode('worker-1', '1.34.3'));
    api.put('daemonsets', { metadata: { name: 'calico-node', namespace: 'kube-system' }, spec: {}, status: {} });
    api.put('pods', runningPod('kube-system', 'calico-node-x', 'worker-1', 'calico-node'));
    api.put('pods', runningPod('default', 'web-1', 'worker-1'));
    api.put('pods', runningPod('default', 'web-2', 'worker-2'));
    const k = realKubectl(api.kubeconfig);

    const c = await k.run(['cordon', 'worker-1']);
    expect(c.ok, c.detail).toBe(true);
    expect(api.get('nodes', 'worker-1')!.spec.unschedulable).toBe(true);
    const d = await k.run(['drain', 'worker-1', '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--grace-period=300', '--timeout=60s']);
    expect(d.ok, d.detail).toBe(true);
    expect(api.get('pods', 'web-1', 'default')).toBeUndefined();
    expect(api.get('pods', 'web-2', 'default')).toBeDefined();
    expect(api.get('pods', 'calico-node-x', 'kube-system')).toBeDefined();
    const evictions = api.calls().filter((q) => q.path.endsWith('/eviction'));
    expect(evictions.map((q) => [q.method, q.path])).toEqual([['POST', '/api/v1/namespaces/default/pods/web-1/eviction']]);
    expect(evictions[0]!.body).toMatchObject({ kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 300 } });

    expect((await k.run(['uncordon', 'worker-1'])).ok).toBe(true);
    expect(api.get('nodes', 'worker-1')!.spec.unschedulable).toBeUndefined();
    const v = await k.run(['get', 'node', 'worker-1', '-o', 'jsonpath={.status.nodeInfo.kubeletVersion}']);
    expect(v.stdout).toBe('v1.34.3');
    const del = await k.run(['delete', 'node', 'worker-1']);
    expect(del.ok, del.detail).toBe(true);
    expect(api.get('nodes', 'worker-1')).toBeUndefined();
    const missing = await k.run(['get', 'node', 'worker-1']);
    expect(missing.ok).toBe(false);
    expect(missing.detail).toContain('not found');
  });

  it('applies secrets, configmaps and jobs (server-side), and reads them back', async () => {
    api = await startKubeApiServer();
    const k = realKubectl(api.kubeconfig);
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata: { name: bootstrap-token-abcdef, namespace: kube-system }\ntype: bootstrap.kubernetes.io/token\nstringData: { token-id: abcdef }\n';
    for (let i = 0; i < 2; i++) {
      const r = await k.run(['apply', '--server-side', '--field-manager=kspray', '-f', '-'], secret);
      expect(r.ok, r.detail).toBe(true);
    }
    expect(api.get('secrets', 'bootstrap-token-abcdef', 'kube-system')).toMatchObject({ type: 'bootstrap.kubernetes.io/token', stringData: { 'token-id': 'abcdef' } });
    const job = 'apiVersion: batch/v1\nkind: Job\nmetadata: { name: j, namespace: kube-system }\nspec: { template: { spec: { restartPolicy: Never, containers: [{ name: c, image: x }] } } }\n';
    expect((await k.run(['apply', '--server-side', '-f', '-'], job)).ok).toBe(true);
    api.get('jobs', 'j', 'kube-system')!.status = { succeeded: 1 };
    expect((await k.run(['-n', 'kube-system', 'get', 'job', 'j', '-o', 'jsonpath={.status.succeeded}'])).stdout).toBe('1');
    const writes = api.calls().filter((q) => q.method !== 'GET');
    expect(writes.map((q) => `${q.method} ${q.path}`)).toEqual([
      'PATCH /api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef',
      'PATCH /api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef',
      'PATCH /apis/batch/v1/namespaces/kube-system/jobs/j',
    ]);
    expect(writes[0]!.contentType).toContain('application/apply-patch');
  });

  it('answers 404 for what it does not know, so a wrong call fails', async () => {
    api = await startKubeApiServer();
    const r = await realKubectl(api.kubeconfig).run(['get', 'deployments']);
    expect(r.ok).toBe(false);
  });
});
