// One byte-level golden per emitted format (test/golden/formats/), to guard the emitters: every other
// golden stores the plans (golden.test.ts), and every payload is checked by its validators and decoded
// back to its plan (payloads.test.ts). Same fixed bundle and clock; UPDATE_GOLDEN=1 rewrites them.
import { describe, it } from 'vitest';
import { join } from 'node:path';
import { loadExample, renderFixture, repoRoot } from '../helpers/fixtures.js';
import { expectGoldenTree, hashLine } from '../helpers/golden.js';
import { outputFiles } from '../../src/render.js';
import { packerOutputs } from '../../src/emit/packer/index.js';
import { ipxeScript } from '../../src/emit/pxe/ipxe.js';
import { DEFAULT_NETWORK, nocloudSeed } from '../../src/emit/pxe/nocloud.js';

const CLOUD_INIT_NODE = 'worker-1'; // of examples/single: ubuntu-24.04, cloud-config
const IGNITION_NODE = 'workers'; // of examples/flatcar-ha: Ignition 3 with a pointer config (configUrlBase)

describe('byte-level goldens per format', () => {
  it('match test/golden/formats', async () => {
    const single = await renderFixture(loadExample('single'));
    const flatcar = await renderFixture(loadExample('flatcar-ha'));
    const out = (r: typeof single, relPath: string) => {
      const f = outputFiles(r).find((o) => o.relPath === relPath);
      if (!f) throw new Error(`render wrote no ${relPath}`);
      return f.content;
    };
    const files = new Map<string, string>();
    files.set('cloud-init.user-data', out(single, `nodes/${CLOUD_INIT_NODE}/user-data`) as string);
    files.set('cloud-init.user-data.gz.sha256', hashLine(out(single, `nodes/${CLOUD_INIT_NODE}/user-data.gz`)));
    files.set('provenance.json', out(single, `nodes/${CLOUD_INIT_NODE}/provenance.json`) as string);
    files.set('ignition.config.ign', out(flatcar, `nodes/${IGNITION_NODE}/config.ign`) as string);
    files.set('ignition.pointer.ign', out(flatcar, `nodes/${IGNITION_NODE}/pointer.ign`) as string);
    const hcl = packerOutputs(single, { builders: ['qemu'] }).files.find((f) => f.relPath.endsWith('/qemu.pkr.hcl'))!;
    files.set('packer.qemu.pkr.hcl', hcl.content as string);
    const node = single.model.nodes.find((n) => n.name === CLOUD_INIT_NODE)!;
    files.set('pxe.ipxe', ipxeScript(node, single.model.name, { kernelUrl: 'http://boot.example/vmlinuz', initrdUrl: 'http://boot.example/initrd', seedBase: 'http://boot.example/seed', kernelArgs: ['console=ttyS0'] }));
    for (const f of nocloudSeed(node, single.model.name, single.payloads.get(CLOUD_INIT_NODE)!, { ...DEFAULT_NETWORK, gateway: '10.0.0.1', nameservers: ['10.0.0.2'] })) {
      if (f.name !== 'user-data') files.set(`pxe.nocloud.${f.name}`, f.content);
    }
    expectGoldenTree(join(repoRoot, 'test', 'golden', 'formats'), files);
  });
});
