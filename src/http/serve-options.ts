import type { GraphqlOptions } from '../graphql/graphql-options.js';
import type { Logger } from '../runtime/logger.js';
import type { ApiKeyEntry } from './api-keys.js';

/** What `/metrics` answers (Prometheus text). */
export interface RenderedMetrics {
  readonly contentType: string;
  readonly body: string;
}

/** Options of `db.serve()` and `polystore serve` (the config module's `serve` export). */
export interface ServeOptions {
  /** Default 0: any free port (`polystore serve` defaults to 8080). */
  readonly port?: number;
  /** Default `127.0.0.1`. A non-loopback host needs `keys` (`PS_ERR_UNSAFE_BIND`). */
  readonly host?: string;
  /** API keys (`polystore keys create` prints each entry). None: loopback requests only, every route open to them. */
  readonly keys?: readonly ApiKeyEntry[];
  /** Largest request body in bytes (default 1 MiB + 16 KiB); larger ones get a coded 413. */
  readonly bodyLimitBytes?: number;
  /**
   * What `GET /metrics` answers (scope `metrics:read`). Default for `db.serve()`:
   * `polystoreMetrics(db)` (needs the optional `prom-client`; without it `/metrics`
   * answers its install fix); `false`: no `/metrics` (a coded 404).
   */
  readonly renderMetrics?: (() => Promise<RenderedMetrics>) | false;
  /**
   * A directory of static files served at `/` (`index.html` at `/`). Default: the
   * package's built dashboard (`DASHBOARD_DIR`); `false`: nothing at `/`.
   */
  readonly dashboardDir?: string | false;
  /** Admin actions kept for `GET /admin/audit` (default 1000). */
  readonly auditCapacity?: number;
  /**
   * `POST /graphql`: the relations, graph and analytics fields its schema adds
   * to the entities' own (see `graphqlSchema`); `false`: no `/graphql`. Needs
   * the optional `graphql` package (without it `/graphql` answers its install fix).
   */
  readonly graphql?: GraphqlOptions | false;
  /** Where the audit log and request failures go (default: the model's logger). */
  readonly logger?: Logger;
}

/** A listening server. */
export interface RunningServer {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  /** Stops accepting requests and waits for those in flight. Does not close the Polystore. */
  close(): Promise<void>;
}
