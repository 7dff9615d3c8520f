import { writeFile } from 'node:fs/promises';
import { adviseWorkload } from '../advisor/advise.js';
import { DATA_STORAGE_TREE } from '../advisor/decision-tree.js';
import { renderTree } from '../advisor/decision-tree-walker.js';
import { loadPrices, loadWorkload } from '../advisor/workload-loader.js';
import { PolystoreError } from '../errors/index.js';
import { askWorkload } from './advise-interactive.js';
import { renderAdvice } from './advise-report.js';

export interface AdviseCommandOptions {
  readonly workload: string | undefined;
  readonly prices: string | undefined;
  /** Write the configuration skeleton to this file too. */
  readonly out: string | undefined;
  readonly interactive: boolean;
  readonly tree: boolean;
  readonly json: boolean;
}

/**
 * `polystore advise`: the store advice for a workload file (or one answered in
 * the terminal with --interactive), or the decision tree with --tree. Needs no
 * configuration module.
 */
export async function adviseCommand(options: AdviseCommandOptions): Promise<number> {
  if (options.tree) {
    process.stdout.write(options.json ? `${JSON.stringify(DATA_STORAGE_TREE)}\n` : `${renderTree()}\n`);
    return 0;
  }
  if (!options.workload && !options.interactive)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'advise needs a workload', {
      field: 'workload',
      fix: 'pass --workload FILE.yaml (see examples/workloads/), --interactive, or --tree',
    });
  const workload = options.interactive
    ? await askWorkload(process.stdin, process.stderr)
    : await loadWorkload(options.workload!);
  const prices = options.prices ? await loadPrices(options.prices) : undefined;
  const advice = adviseWorkload(workload, prices ? { prices } : {});
  if (options.out) await writeFile(options.out, advice.skeleton);
  process.stdout.write(options.json ? `${JSON.stringify(advice)}\n` : `${renderAdvice(advice)}\n`);
  return 0;
}
