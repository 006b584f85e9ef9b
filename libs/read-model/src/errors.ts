/**
 * Errors the read model raises for bad query input. `field` names the argument, so the API can map them to
 * `BAD_USER_INPUT` with the field path (`first`, `after`, `filter.from`, ...).
 */
export class InvalidArgumentError extends RangeError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'InvalidArgumentError';
  }
}

/** A pagination cursor this read model did not produce (or one that was tampered with). */
export class InvalidCursorError extends InvalidArgumentError {
  constructor(field = 'after', reason = 'not a valid cursor') {
    super(field, reason);
    this.name = 'InvalidCursorError';
  }
}

/**
 * The read-model file was written by another version of its schema, or is not a read model at all. The read
 * model is disposable: the service sets such a file aside and rebuilds a new one from the log.
 */
export class ReadModelUnusableError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`read model ${file}: ${reason}`);
    this.name = 'ReadModelUnusableError';
  }
}
