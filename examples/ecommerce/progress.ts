import cliProgress from 'cli-progress';

/** Progress bars on stderr when shown; silent otherwise (for --json). */
export function createProgress(show: boolean) {
  return {
    bar(label: string, total: number) {
      if (!show || !process.stderr.isTTY) {
        if (show) process.stderr.write(`${label}: ${total}\n`);
        return { update(_n: number) {}, stop() {} };
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
