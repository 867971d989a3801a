// The test's files mirror (spec.artifacts.mirror points the nodes at it through the guestfwd):
// every answer is one a real mirror can give and the node program must survive. Loopback only.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** 'wrong-body': 200 with bytes that are not the file (sha256 must refuse them); 'not-found': 404;
 *  'stall': the request is read and never answered (the connection stays open). */
export type MirrorAnswer = 'wrong-body' | 'not-found' | 'stall';

export interface MirrorRequest {
  path: string;
  answer: MirrorAnswer;
  /** Milliseconds since the mirror started. */
  at: number;
}

export interface Mirror {
  port: number;
  requests: MirrorRequest[];
  close(): Promise<void>;
}

/** decide(path, n): the answer to the n-th request (1-based) for that path. */
export async function startMirror(decide: (path: string, n: number) => MirrorAnswer): Promise<Mirror> {
  const started = Date.now();
  const requests: MirrorRequest[] = [];
  const count = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const n = (count.get(path) ?? 0) + 1;
    count.set(path, n);
    const answer = decide(path, n);
    requests.push({ path, answer, at: Date.now() - started });
    if (answer === 'stall') return; // keep the socket, say nothing
    if (answer === 'not-found') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(`not the real ${path}\n`.repeat(64));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
