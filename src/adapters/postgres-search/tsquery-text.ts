/**
 * The text form of a PostgreSQL `tsquery` (what `websearch_to_tsquery(...)::text`
 * prints), parsed so that typo corrections can be ORed into its terms and its
 * positive parts matched one by one. Lexemes print as `'...'` with `''` for a
 * quote and `\\` for a backslash; operators are `!`, `<->` / `<N>` (phrase),
 * `&` and `|`, in that precedence, with parentheses where the printer needs them.
 */
export type TsNode =
  | { readonly kind: 'lexeme'; readonly text: string; readonly suffix: string }
  | { readonly kind: 'not'; readonly arg: TsNode }
  | { readonly kind: 'phrase'; readonly distance: number; readonly left: TsNode; readonly right: TsNode }
  | { readonly kind: 'and' | 'or'; readonly left: TsNode; readonly right: TsNode };

type Token =
  | { readonly kind: 'lexeme'; readonly text: string; readonly suffix: string }
  | { readonly kind: 'op'; readonly op: '!' | '&' | '|' | '(' | ')' }
  | { readonly kind: 'phrase'; readonly distance: number };

/** Parses printed tsquery text; undefined for an empty query (no lexemes). */
export function parseTsquery(text: string): TsNode | undefined {
  const tokens = tokenize(text);
  if (tokens.length === 0) return undefined;
  let at = 0;
  const peek = () => tokens[at];
  const fail = (): never => {
    throw new TypeError('unexpected tsquery text');
  };
  const operand = (): TsNode => {
    const token = tokens[at++] ?? fail();
    if (token.kind === 'lexeme') return { kind: 'lexeme', text: token.text, suffix: token.suffix };
    if (token.kind === 'op' && token.op === '!') return { kind: 'not', arg: operand() };
    if (token.kind === 'op' && token.op === '(') {
      const inner = or();
      const close = tokens[at++];
      if (close?.kind !== 'op' || close.op !== ')') fail();
      return inner;
    }
    return fail();
  };
  const phrase = (): TsNode => {
    let left = operand();
    for (let next = peek(); next?.kind === 'phrase'; next = peek()) {
      at++;
      left = { kind: 'phrase', distance: next.distance, left, right: operand() };
    }
    return left;
  };
  const binary = (op: '&' | '|', inner: () => TsNode) => (): TsNode => {
    let left = inner();
    for (let next = peek(); next?.kind === 'op' && next.op === op; next = peek()) {
      at++;
      left = { kind: op === '&' ? 'and' : 'or', left, right: inner() };
    }
    return left;
  };
  const and = binary('&', phrase);
  const or = binary('|', and);
  const root = or();
  if (at !== tokens.length) fail();
  return root;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ') {
      i++;
    } else if (c === "'") {
      let value = '';
      for (i++; ; i++) {
        const d = text[i];
        if (d === undefined) throw new TypeError('unterminated tsquery lexeme');
        if (d === '\\') value += text[++i] ?? '';
        else if (d === "'" && text[i + 1] === "'") value += text[++i];
        else if (d === "'") break;
        else value += d;
      }
      i++;
      const suffix = /^:[*A-D]+/.exec(text.slice(i))?.[0] ?? '';
      i += suffix.length;
      tokens.push({ kind: 'lexeme', text: value, suffix });
    } else if (c === '<') {
      const match = /^<(-|\d+)>/.exec(text.slice(i));
      if (!match) throw new TypeError('unexpected tsquery operator');
      tokens.push({ kind: 'phrase', distance: match[1] === '-' ? 1 : Number(match[1]) });
      i += match[0].length;
    } else if (c === '!' || c === '&' || c === '|' || c === '(' || c === ')') {
      tokens.push({ kind: 'op', op: c });
      i++;
    } else {
      throw new TypeError('unexpected tsquery character');
    }
  }
  return tokens;
}

/** Prints a node back as tsquery text (every compound parenthesised). */
export function printTsquery(node: TsNode): string {
  switch (node.kind) {
    case 'lexeme':
      return `'${node.text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'${node.suffix}`;
    case 'not':
      return `!${printTsquery(node.arg)}`;
    case 'phrase': {
      const op = node.distance === 1 ? '<->' : `<${node.distance}>`;
      return `(${printTsquery(node.left)} ${op} ${printTsquery(node.right)})`;
    }
    case 'and':
    case 'or':
      return `(${printTsquery(node.left)} ${node.kind === 'and' ? '&' : '|'} ${printTsquery(node.right)})`;
  }
}

/** Replaces each lexeme that has corrections by the lexeme ORed with them. */
export function withCorrections(node: TsNode, corrections: ReadonlyMap<string, readonly string[]>): TsNode {
  switch (node.kind) {
    case 'lexeme': {
      const near = corrections.get(node.text) ?? [];
      return near.reduce<TsNode>(
        (left, text) => ({ kind: 'or', left, right: { kind: 'lexeme', text, suffix: node.suffix } }),
        node,
      );
    }
    case 'not':
      return { kind: 'not', arg: withCorrections(node.arg, corrections) };
    default:
      return {
        ...node,
        left: withCorrections(node.left, corrections),
        right: withCorrections(node.right, corrections),
      };
  }
}

/**
 * The parts a query's `&` and `|` combine: terms and phrases (`positive`)
 * and negated parts (`negative`). A hit is ranked by how many positive parts
 * it matches.
 */
export function queryParts(node: TsNode): { positive: TsNode[]; negative: TsNode[] } {
  const parts = { positive: [] as TsNode[], negative: [] as TsNode[] };
  const visit = (n: TsNode): void => {
    if (n.kind === 'and' || n.kind === 'or') {
      visit(n.left);
      visit(n.right);
    } else if (n.kind === 'not') parts.negative.push(n);
    else parts.positive.push(n);
  };
  visit(node);
  return parts;
}
