export { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue.js';
export {
  isPolystoreError,
  PolystoreError,
  type PolystoreErrorOptions,
  redactSecrets,
  wrapStoreError,
} from './polystore-error.js';
