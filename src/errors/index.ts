export { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue.js';
export {
  PolystoreError,
  isPolystoreError,
  redactSecrets,
  wrapStoreError,
  type PolystoreErrorOptions,
} from './polystore-error.js';
