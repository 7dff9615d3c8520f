/**
 * Whether this process only inspects the deployment (`polystore status`,
 * `check`, `dlq`, ...): it then keeps no replica of the embedded views, never
 * opens their stores (a worker holds their files), and asks the replicas
 * instead. Set by the CLI before it loads a config; the default is false.
 */
let inspecting = false;

export function inspectOnly(value = true): void {
  inspecting = value;
}

export function isInspecting(): boolean {
  return inspecting;
}
