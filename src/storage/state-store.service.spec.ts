import { openTestDataSource, TestDataSource } from '../../test/support/pg-database';
import { AnalysisEntity } from './analysis.entity';
import { AnalysisStore } from './analysis-store.service';
import { StateStore } from './state-store.service';

describe.each(['sqlite', 'postgres'] as const)('StateStore and AnalysisStore on a real %s database', (kind) => {
  let db: TestDataSource;
  let state: StateStore;
  let history: AnalysisStore;

  beforeEach(async () => {
    db = await openTestDataSource(kind, 'statestore');
    state = new StateStore(db.dataSource);
    history = new AnalysisStore(db.dataSource);
  });
  afterEach(() => db.close());

  it('keeps named values, replacing on write', async () => {
    expect(await state.readValue('k')).toBeNull();
    await state.writeValue('k', '1');
    await state.writeValue('k', '2');
    expect(await state.readValue('k')).toBe('2');
  });

  it('gives a lease to one holder at a time until it expires or is released', async () => {
    const t = 1_000_000;
    expect(await state.tryAcquireLease('job', 'a', 10_000, t)).toBe(true);
    expect(await state.tryAcquireLease('job', 'b', 10_000, t + 1)).toBe(false);
    expect(await state.tryAcquireLease('job', 'a', 10_000, t + 5_000)).toBe(true); // renewal moves the expiry
    expect(await state.tryAcquireLease('job', 'b', 10_000, t + 12_000)).toBe(false);
    expect(await state.leaseHolder('job', t + 12_000)).toBe('a');
    expect(await state.tryAcquireLease('job', 'b', 10_000, t + 15_001)).toBe(true); // a's lease ran out
    await state.releaseLease('job', 'a'); // not a's any more: nothing happens
    expect(await state.leaseHolder('job', t + 15_002)).toBe('b');
    await state.releaseLease('job', 'b');
    expect(await state.leaseHolder('job', t + 15_003)).toBeNull();
    expect(await state.tryAcquireLease('job', 'a', 10_000, t + 15_004)).toBe(true);
  });

  it('lists analyses newest first in pages and adds up outcomes, tool calls and tokens', async () => {
    const row = (n: number, outcome: AnalysisEntity['outcome'], calls: number, tokens: number) =>
      Object.assign(new AnalysisEntity(), {
        jobId: `job-${n}`, sessionId: n < 9 ? 's1' : 's2', origin: 'schedule', backend: 'anthropic', startedAt: n * 1000,
        finishedAt: n * 1000 + 500, outcome, detail: null, text: `cycle ${n}`,
        toolCalls: Array.from({ length: calls }, () => ({ name: 'update_thresholds', input: { hr_max: 150 }, ok: true, result: 'ok' })),
        inputTokens: tokens, outputTokens: 10,
      });
    await history.saveAnalysis(row(1, 'completed', 2, 100));
    await history.saveAnalysis(row(2, 'error', 0, 0));
    await history.saveAnalysis(row(3, 'completed', 1, 200));
    await history.saveAnalysis(row(9, 'completed', 5, 999));
    const page = await history.listAnalyses('s1', 2, 0);
    expect(page.total).toBe(3);
    expect(page.items.map((a) => a.jobId)).toEqual(['job-3', 'job-2']);
    expect(page.items[0].toolCalls).toHaveLength(1);
    expect((await history.listAnalyses('s1', 2, 2)).items.map((a) => a.jobId)).toEqual(['job-1']);
    expect(await history.analysisTotals('s1')).toEqual({
      cycles: 3, by_outcome: { completed: 2, error: 1 }, tool_calls: 3, input_tokens: 300, output_tokens: 30,
    });
    expect(await history.tokensSpent('s1')).toBe(330);
    expect(await history.tokensSpent('none')).toBe(0);
  });
});
