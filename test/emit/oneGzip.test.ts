// Each payload is gzipped once (issue 18): user-data.gz, the size table, `render --node --gzip` and the
// provider packaging share one Buffer, made at level 6.
import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { payloadGzip } from '../../src/emit/cloudInit.js';
import { outputFiles } from '../../src/render.js';
import { packageRendered } from '../../src/cli/commands/render-provider.js';
import { loadExample, renderFixture } from '../helpers/fixtures.js';

describe('one gzip per payload', () => {
  it('user-data.gz and the aws packaging hold the same Buffer, which gunzips to the payload', async () => {
    const r = await renderFixture(loadExample('ha'));
    const gz = payloadGzip(r, 'cp-2');
    expect(payloadGzip(r, 'cp-2')).toBe(gz);
    expect(gunzipSync(gz).toString('utf8')).toBe(r.payloads.get('cp-2'));
    const file = outputFiles(r).find((f) => f.relPath === 'nodes/cp-2/user-data.gz');
    expect(file?.content).toBe(gz);
    // cp-2 is over 16 KiB raw, so EC2 receives it gzipped: that must be the same bytes, not a second gzip.
    const aws = packageRendered(r, 'aws', 'cp-2');
    expect(aws[0]!.encoding).toBe('gzip');
    expect(aws[0]!.files.find((f) => f.name === 'user-data')?.content).toBe(gz);
    expect(aws[0]!.gzip).toBe(gz.length);
  });

  it('is level 6: the gzip header says default compression (XFL 0), not maximum (2)', async () => {
    const r = await renderFixture(loadExample('ha'));
    expect(payloadGzip(r, 'worker-1')[8]).toBe(0);
  });
});
