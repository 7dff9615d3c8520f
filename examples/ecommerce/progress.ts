import cliProgress from 'cli-progress';

/**
 * Progress bars on stderr when shown; silent otherwise (for --json). Without
 * a terminal, a line per tenth done, so a long run in the background can be followed.
 */
export function createProgress(show: boolean) {
  return {
    bar(label: string, total: number) {
      if (!show) return { update(_n: number) {}, stop() {} };
      if (!process.stderr.isTTY) {
        const started = performance.now();
        let tenths = 0;
        process.stderr.write(`${label}: ${total}\n`);
        return {
          update(n: number) {
            if (total === 0 || Math.floor((10 * n) / total) <= tenths) return;
            tenths = Math.floor((10 * n) / total);
            process.stderr.write(
              `${label}: ${n}/${total} after ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
            );
          },
          stop() {},
        };
      }
      const bar = new cliProgress.SingleBar(
        {
          format: `${label.padEnd(18)} [{bar}] {percentage}% {value}/{total}`,
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
      return { update: (n: number) => bar.update(n), stop: () => bar.stop() };
    },
  };
}
