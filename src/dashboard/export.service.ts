import { Injectable } from '@nestjs/common';
import { RaceSessionEntity } from '../storage/race-session.entity';
import { SessionChains } from '../tracking/session-chains.service';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { resolveRaceConfig } from '../tracking/race-config';
import { csvHeader, csvRows, GpxWriter } from './export-format';

/** Points read per query while streaming an export: bounded memory for any race length. */
export const EXPORT_PAGE = 2_000;

/** GPX and CSV exports of a session's stored points, as text chunks to stream. */
@Injectable()
export class ExportService {
  constructor(private readonly chains: SessionChains) {}

  async *gpx(session: RaceSessionEntity): AsyncGenerator<string> {
    const config = resolveRaceConfig(session.raceConfig);
    const writer = new GpxWriter();
    let started = false;
    for await (const page of this.pages(session.id)) {
      if (!started) {
        yield writer.start({ name: config.race_name ?? session.sessionName ?? session.id, type: config.race_type, startedAt: session.startedAt }, page[0].time);
        started = true;
      }
      yield writer.add(page);
    }
    if (!started) yield writer.start({ name: config.race_name ?? session.sessionName ?? session.id, type: config.race_type, startedAt: session.startedAt }, null);
    yield writer.end();
  }

  async *csv(sessionId: string): AsyncGenerator<string> {
    yield csvHeader();
    for await (const page of this.pages(sessionId)) yield csvRows(page);
  }

  /** All stored points of the race (every session linked with this one), oldest first, a page at a time. */
  private async *pages(sessionId: string): AsyncGenerator<TrackpointRecord[]> {
    yield* this.chains.pages(await this.chains.chainOf(sessionId), EXPORT_PAGE);
  }
}
