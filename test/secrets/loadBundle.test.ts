// loadBundle: the bundle plus its append-only additions (leaf renewals, minted tokens), in memory.
import { describe, expect, it } from 'vitest';
import { readTree } from '../../src/io/files.js';
import { bundleFromFiles } from '../../src/secrets/index.js';
import { loadBundle } from '../../src/secrets/loadBundle.js';
import { renewalToFile } from '../../src/secrets/renewals.js';
import { tokenToFile } from '../../src/secrets/tokens.js';
import { fixtureBundleDir } from '../helpers/fixtures.js';

describe('loadBundle', () => {
  const files = readTree(fixtureBundleDir('ha'))!;

  it('is bundleFromFiles when nothing was added', () => {
    expect(loadBundle(files, 'ha')).toEqual(bundleFromFiles(files, 'ha'));
  });

  it('applies the newest minted token and every renewal', () => {
    const t1 = tokenToFile({ id: 'aaaaaa', secret: 'aaaaaaaaaaaaaaaa', createdAt: new Date('2026-02-01T00:00:00Z'), ttl: '24h' });
    const t2 = tokenToFile({ id: 'bbbbbb', secret: 'bbbbbbbbbbbbbbbb', createdAt: new Date('2026-03-01T00:00:00Z'), ttl: '24h' });
    const r = renewalToFile({ renewedAt: new Date('2026-06-01T00:00:00Z'), names: ['kubeconfig/admin'] });
    const more = new Map(files);
    for (const f of [t2, t1, r]) more.set(f.relPath, f.content);
    const b = loadBundle(more, 'ha');
    expect(b.bootstrapToken).toEqual({ id: 'bbbbbb', secret: 'bbbbbbbbbbbbbbbb' });
    expect(b.leafKeys.get('kubeconfig/admin')!.createdAt.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(b.leafKeys.get('kubeconfig/scheduler')!.createdAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});
