// The progress line (issue 18): drawn on a terminal once the work has taken `afterMs`, redrawn in place,
// erased at the end; nothing at all when stderr is not a terminal.
import { describe, expect, it } from 'vitest';
import { startProgress } from '../src/cli/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream };
}

describe('progress line', () => {
  it('says nothing before afterMs, then the phase, counts and elapsed seconds; erases itself', () => {
    let t = 0;
    const { writes, stream } = fakeStream(true);
    const p = startProgress(stream, 2000, () => t);
    p.phase('rendering payloads');
    p.tick(1, 1000);
    expect(writes).toEqual([]);
    t = 3000;
    p.tick(500, 1000);
    expect(writes).toEqual(['\r\x1b[Kkspray: rendering payloads 500/1000 (3 s)']);
    t = 3100;
    p.tick(501, 1000); // within 200 ms of the last draw: not redrawn
    expect(writes).toHaveLength(1);
    p.end();
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('writes nothing when the stream is not a terminal', () => {
    let t = 0;
    const { writes, stream } = fakeStream(false);
    const p = startProgress(stream, 0, () => t);
    p.phase('secrets bundle and certificates');
    t = 10_000;
    p.tick(5, 10);
    p.end();
    expect(writes).toEqual([]);
  });

  it('a short run that drew nothing erases nothing', () => {
    const { writes, stream } = fakeStream(true);
    const p = startProgress(stream, 2000, () => 0);
    p.phase('x');
    p.end();
    expect(writes).toEqual([]);
  });
});
