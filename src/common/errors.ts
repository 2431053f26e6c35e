/**
 * Domain errors thrown by services. The REST exception filter maps them to 400/404/409 and the
 * MCP tools map them to tool errors, so both faces report the same thing in the same words.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The request is valid but the state forbids it (e.g. several sessions active, none named). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
