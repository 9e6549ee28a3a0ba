/** Card read failures are a port-level error type (hardware/ports/errors.ts); re-exported here. */
export { CardReadError, type CardReadFailure } from '../ports/errors.js';
