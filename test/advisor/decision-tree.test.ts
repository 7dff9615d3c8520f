import { describe, expect, it } from 'vitest';
import { DATA_STORAGE_TREE, type DecisionTree } from '../../src/advisor/decision-tree.js';
import { renderTree, treeProblems, walkTree } from '../../src/advisor/decision-tree-walker.js';
import { STORE_KINDS } from '../../src/advisor/store-kinds.js';
import { isPolystoreError } from '../../src/errors/index.js';

/** Every root-to-leaf path: its answer keys and the store kinds it recommends. */
function leaves(tree: DecisionTree): { answers: string[]; stores: string[] }[] {
  const out: { answers: string[]; stores: string[] }[] = [];
  const visit = (id: string, answers: string[]) => {
    for (const a of tree.nodes[id]!.answers)
      if ('node' in a.leadsTo) visit(a.leadsTo.node, [...answers, a.key]);
      else out.push({ answers: [...answers, a.key], stores: [...a.leadsTo.recommend.stores] });
  };
  visit(tree.root, []);
  return out;
}

// The tree's expected outcomes, written out: a change to the tree must change this table too.
const EXPECTED = [
  ['transactions > no', 'rdbms'],
  ['transactions > yes', 'rdbms + column-family'],
  ['documents > yes', 'rdbms + document'],
  ['documents > no', 'document'],
  ['lookups > no', 'key-value'],
  ['lookups > yes', 'rdbms + key-value'],
  ['search > no', 'rdbms + search'],
  ['search > yes', 'rdbms + search'],
  ['traversal > yes', 'rdbms + graph'],
  ['traversal > no', 'rdbms'],
  ['metrics > no', 'rdbms + time-series'],
  ['metrics > yes', 'time-series + column-family'],
  ['analytics > yes', 'rdbms + column-family'],
  ['analytics > no', 'rdbms'],
  ['archive > kept', 'object-archive'],
  ['archive > queried', 'object-archive + column-family'],
] as const;

describe('data-storage decision tree', () => {
  it('is well formed: every answer leads somewhere, every node is reached, nothing loops', () => {
    expect(treeProblems(DATA_STORAGE_TREE)).toEqual([]);
  });

  it('reaches exactly the expected recommendations, one per path', () => {
    const found = leaves(DATA_STORAGE_TREE).map((l) => [l.answers.join(' > '), l.stores.join(' + ')]);
    expect(found).toEqual(EXPECTED.map((row) => [...row]));
  });

  it.each(Object.values(DATA_STORAGE_TREE.nodes))('node $id: each answer walks to its target', (node) => {
    // The path from the root to this node.
    const path = leaves(DATA_STORAGE_TREE)
      .map((l) => l.answers)
      .find((answers) => {
        const walk = walkTree(answers.slice(0, -1));
        return node.id === DATA_STORAGE_TREE.root || (!walk.done && walk.next.id === node.id);
      })!;
    const prefix = node.id === DATA_STORAGE_TREE.root ? [] : path.slice(0, -1);
    const here = walkTree(prefix);
    expect(here.done).toBe(false);
    if (!here.done) expect(here.next.question).toBe(node.question);
    for (const answer of node.answers) {
      const walk = walkTree([...prefix, answer.key]);
      expect(walk.path.at(-1)).toEqual({ node: node.id, question: node.question, answer: answer.key });
      if ('node' in answer.leadsTo) {
        expect(walk.done).toBe(false);
        if (!walk.done) expect(walk.next.id).toBe(answer.leadsTo.node);
      } else {
        expect(walk.done).toBe(true);
        if (walk.done) {
          expect(walk.recommendation).toBe(answer.leadsTo.recommend);
          for (const s of walk.recommendation.stores) expect(STORE_KINDS).toContain(s);
          expect(walk.recommendation.polystore.length).toBeGreaterThan(10);
        }
      }
    }
  });

  it('refuses an answer the question does not offer, and answers past a recommendation', () => {
    for (const answers of [['maybe'], ['lookups', 'perhaps'], ['lookups', 'no', 'yes']]) {
      try {
        walkTree(answers);
        expect.unreachable();
      } catch (err) {
        expect(isPolystoreError(err, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
      }
    }
  });

  it('finds the problems of a broken tree', () => {
    const broken: DecisionTree = {
      root: 'a',
      nodes: {
        a: {
          id: 'a',
          question: 'A?',
          answers: [
            { key: 'x', text: 'x', leadsTo: { node: 'b' } },
            { key: 'y', text: 'y', leadsTo: { node: 'missing' } },
          ],
        },
        b: {
          id: 'b',
          question: 'B?',
          answers: [
            { key: 'back', text: 'back', leadsTo: { node: 'a' } },
            { key: 'none', text: 'none', leadsTo: { recommend: { stores: [], polystore: 'p', reasons: ['r'] } } },
          ],
        },
        orphan: { id: 'orphan', question: 'O?', answers: [] },
      },
    };
    expect(treeProblems(broken)).toEqual([
      'loop: a > b > a',
      'node b answer none recommends without stores or reasons',
      'missing node missing (from a)',
      'node orphan is unreachable',
    ]);
  });

  it('renders every question, answer and recommendation', () => {
    const text = renderTree();
    for (const node of Object.values(DATA_STORAGE_TREE.nodes)) {
      expect(text).toContain(`? ${node.question}`);
      for (const a of node.answers) {
        expect(text).toContain(`[${a.key}] ${a.text}`);
        if ('recommend' in a.leadsTo) expect(text).toContain(`Polystore: ${a.leadsTo.recommend.polystore}`);
      }
    }
  });
});
