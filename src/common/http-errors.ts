import {
  ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, ValidationError,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ConflictError, InputError, NotFoundError } from './errors';
import { redactSecrets } from '../tracking/share-url';

/** The one JSON error shape every REST route answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** Offending fields (dotted paths for nested ones), for 400s. */
  fields?: string[];
  details?: string[];
  path: string;
  timestamp: string;
}

/** Flattens class-validator errors into "race_config.hr_max must be an integer" lines. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): { fields: string[]; details: string[] } {
  const fields: string[] = [];
  const details: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      fields.push(path);
      for (const text of Object.values(error.constraints)) {
        // class-validator names the leaf property only; say where it sits.
        if (!parent) details.push(text);
        else if (text.startsWith(`property ${error.property} `)) details.push(`property ${path}${text.slice(9 + error.property.length)}`);
        else details.push(text.startsWith(error.property) ? `${parent}.${text}` : text);
      }
    }
    if (error.children?.length) {
      const nested = flattenValidationErrors(error.children, path);
      fields.push(...nested.fields);
      details.push(...nested.details);
    }
  }
  return { fields: [...new Set(fields)], details };
}

export class RequestValidationError extends BadRequestException {
  constructor(
    readonly fields: string[],
    readonly details: string[],
  ) {
    super(`Invalid request: ${details.join('; ')}`);
  }
}

export function validationExceptionFactory(errors: ValidationError[]): RequestValidationError {
  const { fields, details } = flattenValidationErrors(errors);
  return new RequestValidationError(fields, details);
}

/** An error answered with an HTML page (a browser's sign-in form) instead of the JSON error body. */
export class HtmlPageException extends HttpException {
  constructor(
    status: number,
    readonly html: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(HttpStatus[status] ?? 'Error', status);
  }
}

function statusText(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name.toLowerCase().split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const request = ctx.getRequest<Request>();
    if (response.headersSent) return;
    if (exception instanceof HtmlPageException) {
      response.status(exception.getStatus()).set(exception.headers).type('html').send(exception.html);
      return;
    }

    let status = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'Internal server error';
    let fields: string[] | undefined;
    let details: string[] | undefined;

    if (exception instanceof RequestValidationError) {
      status = HttpStatus.BAD_REQUEST;
      message = exception.message;
      fields = exception.fields;
      details = exception.details;
    } else if (exception instanceof InputError) {
      status = HttpStatus.BAD_REQUEST;
      message = exception.message;
      fields = exception.fields.length ? exception.fields : undefined;
    } else if (exception instanceof NotFoundError) {
      status = HttpStatus.NOT_FOUND;
      message = exception.message;
    } else if (exception instanceof ConflictError) {
      status = HttpStatus.CONFLICT;
      message = exception.message;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      // Terminus answers 503 with its own health report: pass it through untouched.
      if (body && typeof body === 'object' && 'status' in body && 'details' in body) {
        response.status(status).json(body);
        return;
      }
      message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? exception.message);
      if (Array.isArray((body as { message?: unknown }).message)) {
        details = (body as { message: string[] }).message;
        message = details.join('; ');
      }
    } else {
      this.logger.error({ msg: 'unhandled error', path: request.path, error: (exception as Error)?.message }, (exception as Error)?.stack);
    }

    const body: ErrorBody = {
      statusCode: status,
      error: statusText(status),
      message: redactSecrets(message),
      ...(fields ? { fields } : {}),
      ...(details ? { details: details.map(redactSecrets) } : {}),
      path: request.path,
      timestamp: new Date().toISOString(),
    };
    response.status(status).json(body);
  }
}
