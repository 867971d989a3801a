// controlPlane.localhostProxy: haproxy — the real consumer checks the generated haproxy.cfg
// (`haproxy -c -f`, Debian's haproxy), kubectl decodes the static pod, and nginx is gone.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { haveTool, tool } from '../helpers/validators.js';
import { KUBECTL, hasKubectl, fileOf, modelOf, nodeNamed, planOf, run, tempDir } from './helpers.js';

const hasHaproxy = haveTool('haproxy');
const HAPROXY = hasHaproxy ? tool('haproxy') : 'haproxy';

const SPEC = '  controlPlane: { localhostProxy: haproxy }';
const workerPlan = () => {
  const model = modelOf(SPEC);
  return planOf(model, nodeNamed(model, 'w-1'));
};

describe('localhostProxy: haproxy', () => {
  it('a worker gets haproxy.cfg and the haproxy static pod instead of nginx', () => {
    const plan = workerPlan();
    const paths = [...plan.files.keys()];
    expect(paths).toContain('/etc/haproxy/haproxy.cfg');
    expect(paths).toContain('/etc/kubernetes/manifests/haproxy.yaml');
    expect(paths.filter((p) => p.includes('nginx'))).toEqual([]);
    const cfg = fileOf(plan, '/etc/haproxy/haproxy.cfg');
    expect(cfg).toContain('    bind 127.0.0.1:6443\n');
    expect(cfg).toContain('    bind *:8081\n    mode http\n    monitor-uri /healthz\n');
    for (const [n, a] of [['cp-1', '10.0.0.11'], ['cp-2', '10.0.0.12'], ['cp-3', '10.0.0.13']]) {
      expect(cfg).toContain(`    server ${n} ${a}:6443 check check-ssl verify none\n`);
    }
    const pod = parse(fileOf(plan, '/etc/kubernetes/manifests/haproxy.yaml'), { version: '1.1' });
    expect(pod.spec.containers[0].image).toMatch(/^docker\.io\/library\/haproxy:\d+\.\d+\.\d+-alpine$/);
    expect(pod.spec.containers[0].livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 8081 } });
    expect(pod.spec.volumes).toEqual([{ name: 'etc-haproxy', hostPath: { path: '/etc/haproxy' } }]);
    // Control planes reach their own apiserver: no proxy there.
    const model = modelOf(SPEC);
    expect([...planOf(model, nodeNamed(model, 'cp-2')).files.keys()].filter((p) => p.includes('haproxy'))).toEqual([]);
  });

  it('the default stays nginx', () => {
    const model = modelOf('');
    expect(model.controlPlane.localhostProxy).toBe('nginx');
    expect([...planOf(model, nodeNamed(model, 'w-1')).files.keys()]).toContain('/etc/nginx/nginx.conf');
  });

  it.runIf(hasKubectl)('kubectl decodes the static pod', () => {
    const file = join(tempDir(), 'haproxy.yaml');
    writeFileSync(file, fileOf(workerPlan(), '/etc/kubernetes/manifests/haproxy.yaml'));
    const r = run(KUBECTL, ['set', 'env', '--local', '-f', file, 'KSPRAY_DECODE_CHECK=1', '-o', 'yaml']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  describe.skipIf(!hasHaproxy)('haproxy -c', () => {
    const check = (cfg: string) => {
      const path = join(tempDir(), 'haproxy.cfg');
      writeFileSync(path, cfg);
      return run(HAPROXY, ['-c', '-f', path]);
    };

    it('accepts the generated haproxy.cfg, as written on a worker', () => {
      const r = check(fileOf(workerPlan(), '/etc/haproxy/haproxy.cfg'));
      expect(r.stderr + r.stdout).toMatch(/Configuration file is valid/);
      expect(r.stderr + r.stdout).not.toMatch(/\[WARNING\]|\[ALERT\]/);
      expect(r.status).toBe(0);
    });

    it('and refuses a broken one', () => {
      const r = check(fileOf(workerPlan(), '/etc/haproxy/haproxy.cfg').replace('balance leastconn', 'balance fastest'));
      expect(r.status).not.toBe(0);
    });
  });
});
