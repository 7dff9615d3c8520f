import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../src/cli/progress-line.js';

function sink(isTTY: boolean) {
  const written: string[] = [];
  const out = { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  return { out, written };
}

describe('progress line', () => {
  it('redraws a bar in place on a terminal, with rate and ETA, and ends it with a newline', () => {
    const { out, written } = sink(true);
    const line = new ProgressLine(out, false);
    line.update({ label: 'items rows', done: 50, total: 200, elapsedMs: 1000 });
    expect(written[0]).toMatch(/^\ritems rows \[#{8}\.{22}\] 25% 50\/200 50\/s ETA 3\.0 s/);
    line.update({ label: 'items rows', done: 200, total: 200, elapsedMs: 2000 }, true);
    expect(written[1]!.endsWith('100% 200/200 100/s\u001b[K')).toBe(true);
    expect(written[2]).toBe('\n');
  });

  it('writes plain lines at most once per interval off a terminal, always the final one, and JSON with --json', () => {
    const plain = sink(false);
    const line = new ProgressLine(plain.out, false, 60_000);
    line.update({ label: 'v', done: 1, total: 4, elapsedMs: 10 });
    line.update({ label: 'v', done: 2, total: 4, elapsedMs: 20 });
    line.update({ label: 'v', done: 4, total: 4, elapsedMs: 40 }, true);
    expect(plain.written).toEqual(['v: 1/4 (25%) 100 records/s ETA 30 ms\n', 'v: 4/4 (100%) 100 records/s\n']);
    const json = sink(true);
    new ProgressLine(json.out, true).update({ label: 'v', done: 3, total: 6, elapsedMs: 1000 });
    expect(JSON.parse(json.written[0]!)).toEqual({
      progress: { label: 'v', done: 3, total: 6, elapsedMs: 1000, percent: 50, recordsPerSec: 3, etaMs: 1000 },
    });
  });
});
