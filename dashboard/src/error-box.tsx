import type { ApiError } from './api.js';

/** A coded error as the server sent it: its code, message, and the field and fix when given. */
export function ErrorBox({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <div class="error" role="alert" data-testid="error">
      <code>{error.code}</code> {error.message}
      {error.field ? <span class="muted"> (field {error.field})</span> : null}
      {error.fix ? <div class="muted">fix: {error.fix}</div> : null}
    </div>
  );
}
