// spec.pki.autoRenew (Kubespray auto_renew_certificates): the control planes' timer, its unit files
// checked by systemd itself, and the renewal script run against stand-ins for kubeadm, crictl and
// curl to prove what it does and in which order.
import { describe, expect, it } from 'vitest';
import { findTool, haveTool, tool } from '../helpers/validators.js';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { IssuedPki } from '../../src/secrets/types.js';
import { newPlan, type NodePlan } from '../../src/plan/nodePlan.js';
import { certsRenewBuilder, CERTS_RENEW_UNIT } from '../../src/plan/builders/certsRenew.js';
import { modelOf } from '../manifests/helpers.js';

function plans(extraSpec: string): NodePlan[] {
  const model = modelOf(extraSpec);
  return model.nodes.map((node) => {
    const plan = newPlan(node);
    certsRenewBuilder.build({ model, node, pki: {} as IssuedPki, plan });
    return plan;
  });
}

const SYSTEMD_ANALYZE = findTool('systemd-analyze') ?? 'systemd-analyze';

describe('pki.autoRenew', () => {
  it('off by default: no timer anywhere', () => {
    for (const p of plans('')) expect([...p.files.keys()].filter((f) => f.includes('certs-renew'))).toEqual([]);
  });

  it('a timer on every control plane (enabled by the payload), none on workers; the calendar is Kubespray\'s', () => {
    for (const p of plans('  pki: { autoRenew: {} }')) {
      const timer = p.files.get(`/etc/systemd/system/${CERTS_RENEW_UNIT}.timer`)?.content;
      if (p.node.isControlPlane) {
        expect(timer).toContain('OnCalendar=Mon *-*-1,2,3,4,5,6,7 03:00:00');
        expect(p.startUnits).toContain(`${CERTS_RENEW_UNIT}.timer`);
        expect(p.files.get('/etc/kspray/certs-renew.env')!.content).toBe("KSPRAY_BIN_DIR='/usr/local/bin'\nKSPRAY_API_PORT='6443'\n");
      } else {
        expect(timer).toBeUndefined();
        expect(p.startUnits).toEqual([]);
      }
    }
    const custom = plans('  pki: { autoRenew: { onCalendar: "Sun 04:30" } }')[0]!;
    expect(custom.files.get(`/etc/systemd/system/${CERTS_RENEW_UNIT}.timer`)!.content).toContain('OnCalendar=Sun 04:30\n');
  });

  it.runIf(haveTool('systemd-analyze'))('systemd accepts the calendar and the units', () => {
    const cal = spawnSync(SYSTEMD_ANALYZE, ['calendar', 'Mon *-*-1,2,3,4,5,6,7 03:00:00'], { encoding: 'utf8' });
    expect(cal.status, cal.stderr).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'kspray-renew-units-'));
    const p = plans('  pki: { autoRenew: {} }')[0]!;
    for (const ext of ['service', 'timer']) writeFileSync(join(dir, `${CERTS_RENEW_UNIT}.${ext}`), p.files.get(`/etc/systemd/system/${CERTS_RENEW_UNIT}.${ext}`)!.content);
    const r = spawnSync(SYSTEMD_ANALYZE, ['verify', join(dir, `${CERTS_RENEW_UNIT}.timer`)], { encoding: 'utf8' });
    // The script path does not exist here; anything else systemd reports is a unit error.
    const problems = r.stderr.split('\n').filter((l) => l.trim() && !l.includes('kspray-certs-renew.sh') && !/Failed to prepare filesystem|Cannot add dependency/.test(l));
    expect(problems, r.stderr).toEqual([]);
  });

  it('the script renews, then restarts the control-plane pods, then waits for the API; it stops at the first failure', () => {
    const p = plans('  pki: { autoRenew: {} }')[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'kspray-renew-run-'));
    const log = join(dir, 'calls');
    const stub = (name: string, body = '') => {
      writeFileSync(join(dir, name), `#!/bin/bash\necho "${name} $*" >> ${log}\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    };
    stub('kubeadm', '[[ "$*" == "certs renew all" && -n "${FAIL_RENEW:-}" ]] && exit 1; exit 0');
    stub('crictl', '[[ $1 == pods ]] && printf "p1\\np2\\n"; exit 0');
    stub('curl', 'exit 0');
    const script = join(dir, 'renew.sh');
    writeFileSync(script, p.files.get('/opt/kspray/kspray-certs-renew.sh')!.content);
    writeFileSync(join(dir, 'env'), `KSPRAY_BIN_DIR='${dir}'\nKSPRAY_API_PORT='6443'\n`);
    const env = { ...process.env, KSPRAY_CERTS_RENEW_ENV: join(dir, 'env') };
    const ok = spawnSync('/bin/bash', [script], { env, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'kubeadm certs check-expiration',
      'kubeadm certs renew all',
      "crictl pods --namespace kube-system --name kube-scheduler-*|kube-controller-manager-*|kube-apiserver-*|etcd-* -q",
      'crictl rmp -f p1 p2',
      'curl -ksf https://127.0.0.1:6443/readyz',
      'kubeadm certs check-expiration',
    ]);
    writeFileSync(log, '');
    const failed = spawnSync('/bin/bash', [script], { env: { ...env, FAIL_RENEW: '1' }, encoding: 'utf8' });
    expect(failed.status).not.toBe(0);
    expect(readFileSync(log, 'utf8')).not.toContain('crictl');
  });

  it.runIf(haveTool('shellcheck'))('passes shellcheck', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-renew-sc-'));
    const script = join(dir, 'renew.sh');
    writeFileSync(script, plans('  pki: { autoRenew: {} }')[0]!.files.get('/opt/kspray/kspray-certs-renew.sh')!.content);
    const r = spawnSync(tool('shellcheck'), [script], { encoding: 'utf8' });
    expect(r.status, r.stdout).toBe(0);
  });
});
