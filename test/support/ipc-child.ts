import { type IpcReply, type IpcRequest, toWireError } from './e2e-protocol.js';

export type IpcHandlers = Readonly<Record<string, (args: unknown) => Promise<unknown>>>;

/**
 * Serves the parent's requests with `handlers` (each may run while others are
 * in flight) and tells it `ready`. The process exits when the parent goes away,
 * so a test that dies leaves no orphan behind.
 */
export function serveIpc(handlers: IpcHandlers): void {
  if (!process.send) throw new Error('this process must be started with an IPC channel');
  const send = (message: IpcReply | { event: string }) => process.send?.(message);
  process.on('message', (request: IpcRequest) => {
    const handler = handlers[request.cmd];
    if (!handler) {
      send({ id: request.id, ok: false, error: { message: `unknown command ${request.cmd}` } });
      return;
    }
    handler(request.args).then(
      (result) => send({ id: request.id, ok: true, result: result ?? null }),
      (err: unknown) => send({ id: request.id, ok: false, error: toWireError(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  send({ event: 'ready' });
}
