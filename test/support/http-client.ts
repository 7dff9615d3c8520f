import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { RunningServer, ServeOptions } from '../../src/http/serve-options.js';

const DOC_ID = 'https://polystore.test/openapi.json';
// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, ResponseSpec> }>>;
  components: { schemas: Record<string, unknown> };
};
type ResponseSpec = { content?: Record<string, { schema: Record<string, unknown> }> };

/**
 * Validates responses against an OpenAPI 3.1 document with a JSON Schema
 * 2020-12 validator: finds the operation by method and path (concrete paths
 * before templated ones), the response by status (else `default`), and
 * checks the body against its schema.
 */
export class OpenApiValidator {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #routes: { method: string; template: string; pattern: RegExp; params: number }[] = [];
  /** Responses validated so far, by `METHOD template status`. */
  readonly seen = new Set<string>();

  constructor(private readonly doc: Doc) {
    addFormats(this.#ajv);
    this.#ajv.addSchema({ $id: DOC_ID, components: { schemas: doc.components.schemas } });
    for (const [template, operations] of Object.entries(doc.paths)) {
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
      for (const method of Object.keys(operations))
        this.#routes.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}$`),
          params: (template.match(/\{/g) ?? []).length,
        });
    }
    this.#routes.sort((a, b) => a.params - b.params);
  }

  /** Throws with the validator's errors unless the response matches the document. */
  check(method: string, url: string, status: number, contentType: string, body: unknown): void {
    const path = new URL(url, 'http://x').pathname;
    const route = this.#routes.find((r) => r.method === method && r.pattern.test(path));
    if (!route) {
      // A path the document does not list must be a coded 404 (or the auth refusal that comes first).
      if (![401, 403, 404].includes(status)) throw new Error(`the OpenAPI document has no ${method} ${path}`);
      const validate = this.#ajv.getSchema(`${DOC_ID}#/components/schemas/Error`)!;
      if (!validate(body)) throw new Error(`undocumented ${method} ${path}: ${this.#ajv.errorsText(validate.errors)}`);
      this.seen.add(`${method} (undocumented) ${status}`);
      return;
    }
    const responses = this.doc.paths[route.template]![method.toLowerCase()]!.responses;
    const response = responses[String(status)] ?? responses.default;
    if (!response) throw new Error(`the OpenAPI document has no ${status} response for ${method} ${route.template}`);
    const media = contentType.split(';')[0]!.trim();
    const spec = response.content?.[media];
    if (!spec) throw new Error(`${method} ${route.template} ${status} answered ${media}, not in the document`);
    const key = `${method} ${route.template} ${status} ${media}`;
    let validate = this.#compiled.get(key);
    if (!validate) {
      const rebased = JSON.parse(JSON.stringify(spec.schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`));
      validate = this.#ajv.compile(rebased);
      this.#compiled.set(key, validate);
    }
    if (!validate(body))
      throw new Error(
        `${key}: the body does not match: ${this.#ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
      );
    this.seen.add(`${method} ${route.template} ${status}`);
  }
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/**
 * `fetch` against a listening server, every response validated against its
 * OpenAPI document (once `useDocument` has it).
 */
export class ApiClient {
  validator: OpenApiValidator | null = null;

  constructor(
    readonly base: string,
    private readonly key?: string,
  ) {}

  async useDocument(): Promise<void> {
    const res = await this.call('GET', '/openapi.json');
    this.validator = new OpenApiValidator(res.body as Doc);
    // The document itself is a response too.
    this.validator.check('GET', '/openapi.json', res.status, res.headers.get('content-type') ?? '', res.body);
  }

  async call<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; key?: string | null; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const key = options.key === undefined ? this.key : options.key;
    const headers: Record<string, string> = { ...options.headers };
    if (key) headers.authorization = `Bearer ${key}`;
    let payload: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.body);
    }
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
    });
    const type = res.headers.get('content-type') ?? '';
    const text = await res.text();
    const body = type.startsWith('application/json') ? JSON.parse(text) : text;
    this.validator?.check(method, path, res.status, type, body);
    return { status: res.status, headers: res.headers, body: body as T };
  }
}

/** A Polystore served over HTTP for a test, with a validating client; `stop` closes both and runs `cleanups`. */
export async function serveForTest(
  db: {
    ready(): Promise<void>;
    serve(options?: ServeOptions): Promise<RunningServer>;
    close(): Promise<void>;
  },
  options: ServeOptions = {},
  key?: string,
): Promise<{ server: RunningServer; api: ApiClient; stop: (...cleanups: (() => Promise<void>)[]) => Promise<void> }> {
  await db.ready();
  const server = await db.serve(options);
  const api = new ApiClient(server.url, key);
  await api.useDocument();
  const stop = async (...cleanups: (() => Promise<void>)[]) => {
    await server.close();
    await db.close();
    for (const cleanup of cleanups) await cleanup();
  };
  return { server, api, stop };
}
