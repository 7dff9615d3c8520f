import { PolystoreError } from '../errors/index.js';
import { DATA_STORAGE_TREE, type DecisionTree, type Recommendation, type TreeNode } from './decision-tree.js';
import { storeLabel } from './store-kinds.js';

export interface TreeStep {
  readonly node: string;
  readonly question: string;
  readonly answer: string;
}

export type TreeWalk =
  | { readonly done: false; readonly path: readonly TreeStep[]; readonly next: TreeNode }
  | { readonly done: true; readonly path: readonly TreeStep[]; readonly recommendation: Recommendation };

/**
 * Follows answers (by key) from the root: the path so far and either the next
 * question or the recommendation.
 *
 * @example
 * const walk = walkTree(['lookups', 'no']);
 * walk.done && walk.recommendation.stores; // ['key-value']
 */
export function walkTree(answers: readonly string[], tree: DecisionTree = DATA_STORAGE_TREE): TreeWalk {
  const path: TreeStep[] = [];
  let node = nodeOf(tree, tree.root);
  for (const key of answers) {
    const answer = node.answers.find((a) => a.key === key);
    if (!answer)
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `No such answer to "${node.question}"`, {
        field: node.id,
        fix: `answer one of ${node.answers.map((a) => a.key).join(', ')}`,
      });
    path.push({ node: node.id, question: node.question, answer: answer.key });
    if ('recommend' in answer.leadsTo) {
      if (path.length < answers.length)
        throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'More answers than the tree asks questions', {
          fix: `stop after ${path.length} answers`,
        });
      return { done: true, path, recommendation: answer.leadsTo.recommend };
    }
    node = nodeOf(tree, answer.leadsTo.node);
  }
  return { done: false, path, next: node };
}

/**
 * Checks the tree's shape: every answer leads to a declared node, every node is
 * reached from the root, no path loops. Returns the problems found (none: []).
 *
 * @example
 * treeProblems(DATA_STORAGE_TREE); // []
 */
export function treeProblems(tree: DecisionTree): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string, trail: readonly string[]) => {
    if (trail.includes(id)) return problems.push(`loop: ${[...trail, id].join(' > ')}`);
    const node = tree.nodes[id];
    if (!node) return problems.push(`missing node ${id} (from ${trail.at(-1) ?? 'root'})`);
    seen.add(id);
    if (node.id !== id) problems.push(`node ${id} says its id is ${node.id}`);
    if (node.answers.length < 2) problems.push(`node ${id} has fewer than two answers`);
    if (new Set(node.answers.map((a) => a.key)).size !== node.answers.length)
      problems.push(`node ${id} repeats an answer key`);
    for (const a of node.answers) {
      if ('node' in a.leadsTo) visit(a.leadsTo.node, [...trail, id]);
      else if (a.leadsTo.recommend.stores.length === 0 || a.leadsTo.recommend.reasons.length === 0)
        problems.push(`node ${id} answer ${a.key} recommends without stores or reasons`);
    }
    return 0;
  };
  visit(tree.root, []);
  for (const id of Object.keys(tree.nodes)) if (!seen.has(id)) problems.push(`node ${id} is unreachable`);
  return problems;
}

/**
 * The tree as indented text, every answer under its question.
 *
 * @example
 * console.log(renderTree());
 */
export function renderTree(tree: DecisionTree = DATA_STORAGE_TREE): string {
  const lines: string[] = [];
  const render = (id: string, depth: number) => {
    const node = nodeOf(tree, id);
    const pad = '  '.repeat(depth);
    lines.push(`${pad}? ${node.question}`);
    for (const a of node.answers) {
      if ('node' in a.leadsTo) {
        lines.push(`${pad}  [${a.key}] ${a.text}`);
        render(a.leadsTo.node, depth + 2);
      } else {
        const r = a.leadsTo.recommend;
        lines.push(`${pad}  [${a.key}] ${a.text} => ${r.stores.map(storeLabel).join(' + ')}`);
        lines.push(`${pad}      Polystore: ${r.polystore}`);
        for (const reason of r.reasons) lines.push(`${pad}      - ${reason}`);
      }
    }
  };
  render(tree.root, 0);
  return lines.join('\n');
}

function nodeOf(tree: DecisionTree, id: string): TreeNode {
  const node = tree.nodes[id];
  if (!node)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `The decision tree has no node "${id}"`, {
      fix: 'check the tree with treeProblems()',
    });
  return node;
}
