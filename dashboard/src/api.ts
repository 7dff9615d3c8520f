const KEY_ITEM = 'polystore.apiKey';

/** The API key this tab sends (sessionStorage: gone when the tab closes). */
export function apiKey(): string {
  return sessionStorage.getItem(KEY_ITEM) ?? '';
}

export function setApiKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

/** A coded error the server answered with (`{ error: { code, message, field?, fix? } }`), or a transport failure. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly field?: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

async function request(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch (err) {
    throw new ApiError('NETWORK', `the server did not answer (${String(err)})`, 0);
  }
  if (response.ok) return response;
  let coded: { code?: unknown; message?: unknown; field?: unknown; fix?: unknown } | undefined;
  try {
    coded = ((await response.json()) as { error?: typeof coded }).error;
  } catch {
    coded = undefined;
  }
  if (coded && typeof coded.code === 'string') {
    throw new ApiError(
      coded.code,
      String(coded.message ?? ''),
      response.status,
      typeof coded.field === 'string' ? coded.field : undefined,
      typeof coded.fix === 'string' ? coded.fix : undefined,
    );
  }
  throw new ApiError(`HTTP_${response.status}`, response.statusText || 'request failed', response.status);
}

/** GETs or POSTs JSON; a non-2xx answer throws its {@link ApiError}. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return (await (await request(path, init)).json()) as T;
}

/** GETs a text resource (the Prometheus exposition of `/metrics`). */
export async function apiText(path: string): Promise<string> {
  return (await request(path)).text();
}
