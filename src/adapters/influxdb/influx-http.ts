import type { AnalyticsValue } from '../../contracts/analytics-store.js';
import { PolystoreError, wrapStoreError } from '../../errors/index.js';

/** One series of a query result. */
export interface InfluxSeries {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values: readonly (readonly unknown[])[];
}

interface StatementResult {
  readonly statement_id: number;
  readonly series?: readonly InfluxSeries[];
  readonly error?: string;
}

/** Line protocol lines per `/write` request. */
const LINES_PER_WRITE = 5000;

/**
 * The InfluxDB 1.x HTTP API through `fetch`: `/query` with bound
 * parameters (`$1`, `$name`) and `/write` with line protocol at millisecond
 * precision. Server messages are passed on with single-quoted text blanked, since a
 * write error quotes the line, values included.
 */
export class InfluxHttp {
  constructor(
    private readonly url: string,
    private readonly database: string,
    private readonly timeoutMs: number,
  ) {}

  /** Runs the statements of `q` and returns the series of each. */
  async query(
    q: string,
    params: Readonly<Record<string, AnalyticsValue>> = {},
    database: string | null = this.database,
  ): Promise<InfluxSeries[][]> {
    const body = new URLSearchParams({ q, params: JSON.stringify(params) });
    if (database) body.set('db', database);
    const reply = await this.#send('/query', body, 'running a query');
    const { results, error } = (await reply.json()) as { results?: StatementResult[]; error?: string };
    const failed = error ?? results?.find((result) => result.error)?.error;
    if (failed) throw queryError(failed, 'a query');
    return (results ?? []).map((result) => [...(result.series ?? [])]);
  }

  async write(lines: readonly string[]): Promise<void> {
    for (let i = 0; i < lines.length; i += LINES_PER_WRITE) {
      const path = `/write?db=${encodeURIComponent(this.database)}&precision=ms`;
      await this.#send(path, lines.slice(i, i + LINES_PER_WRITE).join('\n'), 'writing points');
    }
  }

  async #send(path: string, body: URLSearchParams | string, action: string): Promise<Response> {
    let reply: Response;
    try {
      reply = await fetch(this.url + path, { method: 'POST', body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw wrapStoreError(
        err,
        'PS_ERR_STORE_UNAVAILABLE',
        `The influxdb server at ${this.url} is unavailable while ${action}`,
        {
          fix: 'check that the server is running and reachable; the call can be retried',
        },
      );
    }
    if (reply.ok) return reply;
    const text = await reply.text().catch(() => '');
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {}
    if (reply.status >= 500)
      throw new PolystoreError(
        'PS_ERR_STORE_UNAVAILABLE',
        `The influxdb server at ${this.url} failed while ${action} (HTTP ${reply.status})`,
        {
          fix: 'see the server log; the call can be retried',
        },
      );
    throw queryError(message, action);
  }
}

function queryError(message: string, action: string): PolystoreError {
  const blanked = message.replace(/'[^']*'/g, "'…'").slice(0, 300);
  return new PolystoreError('PS_ERR_STORE_QUERY', `InfluxDB refused ${action}: ${blanked}`, {
    fix: 'check the InfluxQL statement (bound parameters are $1, $2, ...) or the rows written',
  });
}

/** The rows of a statement's series as objects: each row's columns with the series' tags. */
export function rowsOf(series: readonly InfluxSeries[]): Record<string, unknown>[] {
  return series.flatMap(({ tags, columns, values }) =>
    values.map((row) => {
      const out: Record<string, unknown> = { ...tags };
      columns.forEach((column, i) => {
        out[column] = row[i] ?? null;
      });
      return out;
    }),
  );
}
