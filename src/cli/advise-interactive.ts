import { createInterface } from 'node:readline';
import { FACTORS } from '../advisor/factor-weights.js';
import { FIELD_TYPES, type FieldType, type Workload, type WorkloadEntity } from '../advisor/workload.js';
import { parseWorkload } from '../advisor/workload-loader.js';
import { PolystoreError } from '../errors/index.js';

/**
 * Asks the selection calculator's questions in the terminal, entity by entity,
 * and returns the workload the answers describe (validated like a file).
 * Prompts go to `output` so that stdout keeps only the report.
 */
export async function askWorkload(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<Workload> {
  const rl = createInterface({ input, terminal: false });
  // The line iterator buffers lines that arrive before a question is asked (piped answers).
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (question: string): Promise<string | undefined> => {
    output.write(`${question} `);
    const next = await lines.next();
    return next.done ? undefined : next.value.trim();
  };
  try {
    const name = (await ask('Workload name:')) || 'interactive workload';
    const entities: WorkloadEntity[] = [];
    for (;;) {
      const entity = await ask(`Entity ${entities.length + 1} name (empty to finish):`);
      if (!entity) break;
      const fields = await askFields(ask, output, entity);
      output.write(`Score each factor for ${entity} from 0 (irrelevant) to 10 (decisive); empty means 0.\n`);
      const factors: Record<string, number> = {};
      for (const f of FACTORS) {
        const score = await askScore(ask, output, `  ${f.label}: ${f.question}`);
        if (score === undefined) break;
        if (score > 0) factors[f.id] = score;
      }
      entities.push({ name: entity, ...(fields && Object.keys(fields).length ? { fields } : {}), factors });
    }
    if (entities.length === 0)
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'No entity was described', {
        fix: 'name at least one entity and score its factors',
      });
    return await parseWorkload({ name, entities }, 'the answers');
  } finally {
    rl.close();
  }
}

/** A score 0-10, asked again until it is one; undefined at the end of input. */
async function askScore(
  ask: (question: string) => Promise<string | undefined>,
  output: NodeJS.WritableStream,
  question: string,
): Promise<number | undefined> {
  for (;;) {
    const answer = await ask(`${question} [0-10]`);
    if (answer === undefined) return undefined;
    if (answer === '') return 0;
    const score = Number(answer);
    if (Number.isFinite(score) && score >= 0 && score <= 10) return score;
    output.write('  answer a number from 0 to 10\n');
  }
}

/** `name:type, ...` for the skeleton's schema, asked again until every type is known; undefined at the end of input. */
async function askFields(
  ask: (question: string) => Promise<string | undefined>,
  output: NodeJS.WritableStream,
  entity: string,
): Promise<Record<string, FieldType> | undefined> {
  for (;;) {
    const answer = await ask(`Fields of ${entity} besides id, as name:type, comma separated (empty for none):`);
    if (answer === undefined) return undefined;
    const pairs = answer
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => p.split(':').map((x) => x.trim()));
    if (pairs.every(([f, t]) => f && (FIELD_TYPES as readonly string[]).includes(t ?? '')))
      return Object.fromEntries(pairs) as Record<string, FieldType>;
    output.write(`  give each field a type: ${FIELD_TYPES.join(', ')}\n`);
  }
}
