import { Injectable, PipeTransform } from '@nestjs/common';
import { InputError } from '../common/errors';

/** Session ids are Garmin's (UUID-like): anything else is a 400 before touching the store. */
@Injectable()
export class SessionIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(value)) {
      throw new InputError('id must be a LiveTrack session id (letters, digits and "-")', ['id']);
    }
    return value;
  }
}
