// A progress line on stderr for work that takes longer than ~2 s (RSA-3072/4096 key generation, clusters
// of thousands of nodes): one line redrawn in place, erased at the end. Only on a terminal: a log file
// or a pipe gets nothing (and output that a script parses stays as it was).
export interface Progress {
  /** What is being done now (shown with the elapsed time). */
  phase(label: string): void;
  /** Inside a synchronous loop (the event loop cannot run the timer): counts, drawn at most every 200 ms. */
  tick(done: number, total: number): void;
  /** Erases the line if one was drawn. */
  end(): void;
}

const QUIET: Progress = { phase() {}, tick() {}, end() {} };

export function startProgress(stream: NodeJS.WriteStream = process.stderr, afterMs = 2000, now: () => number = Date.now): Progress {
  if (!stream.isTTY) return QUIET;
  const started = now();
  let label = '';
  let counts = '';
  let drawn = false;
  let lastDraw = 0;
  const draw = () => {
    const t = now();
    if (t - started < afterMs) return;
    stream.write(`\r\x1b[Kkspray: ${label}${counts} (${((t - started) / 1000).toFixed(0)} s)`);
    drawn = true;
    lastDraw = t;
  };
  // Async phases (key generation runs on libuv's thread pool) leave the event loop free for this timer.
  const timer = setInterval(draw, 500);
  timer.unref();
  return {
    phase(l) {
      label = l;
      counts = '';
      draw();
    },
    tick(done, total) {
      counts = ` ${done}/${total}`;
      if (now() - lastDraw >= 200) draw();
    },
    end() {
      clearInterval(timer);
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
