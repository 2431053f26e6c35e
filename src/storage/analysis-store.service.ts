import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AnalysisEntity, AnalysisOutcome } from './analysis.entity';
import { placeholdersFor, WriteQueue, writeQueueOf } from './write-queue';

export interface AnalysisPage {
  total: number;
  items: AnalysisEntity[];
}

/** What a race's analyses add up to (summary, cost guard). */
export interface AnalysisTotals {
  cycles: number;
  by_outcome: Partial<Record<AnalysisOutcome, number>>;
  tool_calls: number;
  input_tokens: number;
  output_tokens: number;
}

/** The analysis history: one row per cycle, written when the cycle ends. */
@Injectable()
export class AnalysisStore {
  private readonly writes: WriteQueue;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.writes = writeQueueOf(dataSource);
  }

  private get repo() {
    return this.dataSource.getRepository(AnalysisEntity);
  }

  async saveAnalysis(record: AnalysisEntity): Promise<void> {
    // save(), not insert(): simple-json columns defeat insert()'s deep-partial typing.
    await this.writes.run(() => this.repo.save(record));
  }

  /** Newest first. */
  async listAnalyses(sessionId: string, limit: number, offset: number): Promise<AnalysisPage> {
    const [items, total] = await this.repo.findAndCount({
      where: { sessionId },
      order: { startedAt: 'DESC', jobId: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { items, total };
  }

  /** Newest `limit` cycles of a session, newest first (dashboard timeline). */
  async recentAnalyses(sessionId: string, limit: number): Promise<AnalysisEntity[]> {
    return (await this.listAnalyses(sessionId, limit, 0)).items;
  }

  /** Counts and tokens over every stored cycle of a session, in one grouped query. */
  async analysisTotals(sessionId: string): Promise<AnalysisTotals> {
    const rows: Array<{ outcome: AnalysisOutcome; cycles: string | number; input: string | number | null; output: string | number | null }> =
      await this.dataSource.query(
        placeholdersFor(
          this.dataSource,
          `SELECT outcome, COUNT(*) AS cycles, SUM(input_tokens) AS input, SUM(output_tokens) AS output
           FROM analyses WHERE session_id = ? GROUP BY outcome`,
        ),
        [sessionId],
      );
    const totals: AnalysisTotals = { cycles: 0, by_outcome: {}, tool_calls: 0, input_tokens: 0, output_tokens: 0 };
    for (const row of rows) {
      totals.by_outcome[row.outcome] = Number(row.cycles);
      totals.cycles += Number(row.cycles);
      totals.input_tokens += Number(row.input ?? 0);
      totals.output_tokens += Number(row.output ?? 0);
    }
    // Tool calls live in a JSON column: counted from the rows that have any (few per race).
    const withCalls = await this.repo
      .createQueryBuilder('a')
      .select('a.tool_calls', 'tool_calls')
      .where('a.session_id = :sessionId', { sessionId })
      .andWhere(`a.tool_calls <> '[]'`)
      .getRawMany<{ tool_calls: string }>();
    for (const row of withCalls) totals.tool_calls += (JSON.parse(row.tool_calls) as unknown[]).length;
    return totals;
  }

  /** Input + output tokens a session's cycles have spent (the cost guard reads this before each cycle). */
  async tokensSpent(sessionId: string): Promise<number> {
    const rows: Array<{ spent: string | number | null }> = await this.dataSource.query(
      placeholdersFor(this.dataSource, `SELECT SUM(input_tokens + output_tokens) AS spent FROM analyses WHERE session_id = ?`),
      [sessionId],
    );
    return Number(rows[0]?.spent ?? 0);
  }
}
