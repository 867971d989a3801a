// What depends on the cluster alone is built once per cluster, not once per node (issue 18: at 1,000
// workers the localhost proxy's nginx.conf and pod, and the download list, were rebuilt per worker).
import { describe, expect, it, vi } from 'vitest';
import { perCluster } from '../../src/plan/perCluster.js';
import type { ClusterModel } from '../../src/model/model.js';

const nginx = vi.hoisted(() => ({ calls: 0 }));
const catalog = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../src/plan/manifests/nginxConf.js', async (original) => {
  const m = await original<typeof import('../../src/plan/manifests/nginxConf.js')>();
  return { ...m, nginxConf: (model: ClusterModel) => (nginx.calls++, m.nginxConf(model)) };
});
vi.mock('../../src/catalog/catalog.js', async (original) => {
  const m = await original<typeof import('../../src/catalog/catalog.js')>();
  return { ...m, nodeDownloads: (...args: Parameters<typeof m.nodeDownloads>) => (catalog.calls++, m.nodeDownloads(...args)) };
});

const { compileSpec, prepareBundle } = await import('../../src/render.js');
const { issuePki } = await import('../../src/secrets/index.js');
const { planCluster } = await import('../../src/plan/planNode.js');
const { bigClusterSpec } = await import('../../src/bench/bigCluster.js');
const { FIXED_NOW } = await import('../helpers/fixtures.js');

describe('perCluster', () => {
  it('makes a value once per model and key, and again for another model or key', () => {
    const made: string[] = [];
    const f = perCluster((model, key) => (made.push(`${model.name}/${key}`), `${model.name}:${key}`));
    const a = { name: 'a' } as ClusterModel;
    const b = { name: 'b' } as ClusterModel;
    expect([f(a), f(a), f(a, 'x'), f(a, 'x'), f(b), f(b, 'x')]).toEqual(['a:', 'a:', 'a:x', 'a:x', 'b:', 'b:x']);
    expect(made).toEqual(['a/', 'a/x', 'b/', 'b/x']);
  });

  it('keeps an undefined result too (made once)', () => {
    let calls = 0;
    const f = perCluster(() => (calls++, undefined));
    const m = {} as ClusterModel;
    f(m);
    f(m);
    expect(calls).toBe(1);
  });
});

describe('planning a cluster builds cluster-wide content once', () => {
  it('renders the localhost proxy config and the download list once for 40 workers', async () => {
    const model = compileSpec(bigClusterSpec(40), 'big40.yaml');
    const { bundle } = await prepareBundle(model, undefined, '/nonexistent/secrets', FIXED_NOW, false);
    const pki = await issuePki(model, bundle);
    nginx.calls = catalog.calls = 0;
    const plans = planCluster(model, pki);
    expect(plans.filter((p) => p.files.has('/etc/nginx/nginx.conf'))).toHaveLength(40);
    expect(nginx.calls).toBe(1);
    expect(catalog.calls).toBe(1); // one architecture
  });
});
