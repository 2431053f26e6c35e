import type Anthropic from '@anthropic-ai/sdk';
import type { ToolExecution } from '../analysis-tools';
import { MAX_TURNS, runToolLoop, SendContext, TOOL_RESULT_MAX } from './tool-loop';

type Block = Record<string, unknown>;

function reply(stop_reason: string | null, content: Block[], usage: Record<string, number> = { input_tokens: 100, output_tokens: 20 }): Anthropic.Message {
  return { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content, stop_reason, stop_sequence: null, usage } as unknown as Anthropic.Message;
}
const text = (t: string): Block => ({ type: 'text', text: t });
const use = (id: string, name: string, input: unknown): Block => ({ type: 'tool_use', id, name, input });

/** A scripted Claude: answers in order, and records the conversation each request carried. */
function script(...answers: Array<Anthropic.Message | Error | unknown>) {
  const requests: Array<{ messages: Anthropic.MessageParam[]; context: SendContext }> = [];
  const send = jest.fn(async (messages: Anthropic.MessageParam[], context: SendContext) => {
    requests.push({ messages: structuredClone(messages), context });
    const next = answers.shift();
    if (next === undefined) throw new Error('script ran out');
    if (next instanceof Error) throw next;
    return next as Anthropic.Message;
  });
  return { send, requests };
}

const okTools = () => jest.fn(async (name: string): Promise<ToolExecution> => ({ ok: true, text: `${name} done` }));

describe('runToolLoop', () => {
  it('ends at end_turn with the text, the usage summed over turns (cache tokens count as input) and the tool calls', async () => {
    const { send, requests } = script(
      reply('tool_use', [text('Checking.'), use('toolu_1', 'update_thresholds', { hr_max: 150 }), use('toolu_2', 'send_coaching_message', { text: 'Ease off' })], {
        input_tokens: 1000, output_tokens: 50, cache_read_input_tokens: 200, cache_creation_input_tokens: 30,
      }),
      reply('end_turn', [text('HR drifting up; cap lowered to 150 and told the athlete.')], { input_tokens: 1300, output_tokens: 40 }),
    );
    const execute = okTools();
    const result = await runToolLoop({ prompt: 'the race', send, execute, tokensLeft: 100000 });

    expect(result).toMatchObject({
      outcome: 'completed', text: 'HR drifting up; cap lowered to 150 and told the athlete.',
      inputTokens: 1000 + 200 + 30 + 1300, outputTokens: 90,
      toolCalls: [
        { name: 'update_thresholds', input: { hr_max: 150 }, ok: true, result: 'update_thresholds done' },
        { name: 'send_coaching_message', input: { text: 'Ease off' }, ok: true, result: 'send_coaching_message done' },
      ],
    });
    expect(result.detail).toMatch(/ended its turn after 2 requests and 2 tool calls/);
    expect(execute.mock.calls).toEqual([['update_thresholds', { hr_max: 150 }], ['send_coaching_message', { text: 'Ease off' }]]);
    // Request 2 carries the prompt, Claude's turn as it was, and one user turn answering both ids.
    const second = requests[1].messages;
    expect(second).toHaveLength(3);
    expect(second[0]).toEqual({ role: 'user', content: 'the race' });
    expect(second[1]).toMatchObject({ role: 'assistant', content: [{ type: 'text' }, { id: 'toolu_1' }, { id: 'toolu_2' }] });
    expect(second[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'update_thresholds done' },
        { type: 'tool_result', tool_use_id: 'toolu_2', content: 'send_coaching_message done' },
      ],
    });
    expect(requests.map((r) => r.context)).toEqual([{ turn: 1, final: false }, { turn: 2, final: false }]);
  });

  it('answers a failed tool call (or one that throws) as an is_error tool_result and goes on', async () => {
    const { send, requests } = script(
      reply('tool_use', [use('toolu_a', 'update_thresholds', { hr_max: 'high' }), use('toolu_b', 'send_coaching_message', { text: 'x' })]),
      reply('end_turn', [text('Done.')]),
    );
    const execute = jest
      .fn<Promise<ToolExecution>, [string, unknown]>()
      .mockResolvedValueOnce({ ok: false, text: 'invalid input: hr_max: expected number' })
      .mockRejectedValueOnce(new Error('telegram\nexploded'));
    const result = await runToolLoop({ prompt: 'p', send, execute, tokensLeft: 100000 });

    expect(result.outcome).toBe('completed');
    expect(requests[1].messages[2].content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_a', content: 'invalid input: hr_max: expected number', is_error: true },
      { type: 'tool_result', tool_use_id: 'toolu_b', content: 'the tool failed: telegram exploded', is_error: true },
    ]);
    expect(result.toolCalls.map((c) => c.ok)).toEqual([false, false]);
  });

  it('keeps the history short: a long tool answer is shortened there, sent whole to Claude', async () => {
    const long = 'x'.repeat(2000);
    const { send, requests } = script(reply('tool_use', [use('toolu_1', 'update_thresholds', {})]), reply('end_turn', [text('ok')]));
    const result = await runToolLoop({ prompt: 'p', send, execute: async () => ({ ok: true, text: long }), tokensLeft: 1e6 });
    expect(result.toolCalls[0].result.length).toBeLessThanOrEqual(TOOL_RESULT_MAX);
    expect((requests[1].messages[2].content as any)[0].content).toBe(long);
  });

  it('stops at the turn bound: the last request asks for text only, and tool calls past it are not run', async () => {
    const turns = Array.from({ length: MAX_TURNS }, (_, i) => reply('tool_use', [use(`toolu_${i}`, 'update_thresholds', { hr_max: 150 + i })]));
    const { send, requests } = script(...turns);
    const execute = okTools();
    const result = await runToolLoop({ prompt: 'p', send, execute, tokensLeft: 1e9 });

    expect(send).toHaveBeenCalledTimes(MAX_TURNS);
    expect(requests[MAX_TURNS - 1].context).toEqual({ turn: MAX_TURNS, final: true });
    expect(requests.slice(0, -1).every((r) => !r.context.final)).toBe(true);
    expect(execute).toHaveBeenCalledTimes(MAX_TURNS - 1);
    expect(result.outcome).toBe('error');
    expect(result.detail).toMatch(new RegExp(`turn bound: Claude still asked for update_thresholds at request ${MAX_TURNS} of ${MAX_TURNS}; those calls were not run`));
    expect(result.inputTokens).toBe(100 * MAX_TURNS);
  });

  it('stops before a request that would pass the tokens left, keeping what was spent and done', async () => {
    const { send } = script(reply('tool_use', [use('toolu_1', 'update_thresholds', { hr_max: 150 })], { input_tokens: 3000, output_tokens: 100 }));
    const execute = okTools();
    const result = await runToolLoop({ prompt: 'p', send, execute, tokensLeft: 5000 });
    expect(send).toHaveBeenCalledTimes(1);
    expect(execute).toHaveBeenCalledTimes(1);
    expect(result).toMatchObject({ outcome: 'error', inputTokens: 3000, outputTokens: 100, toolCalls: [{ name: 'update_thresholds', ok: true }] });
    expect(result.detail).toMatch(/^token budget: stopped before request 2, which would take about 31\d\d input tokens with 1900 of this race's budget left/);
  });

  it('treats max_tokens as an error keeping the partial text, and does not run its tool calls', async () => {
    const { send } = script(reply('max_tokens', [text('The athlete is'), use('toolu_1', 'send_coaching_message', { text: 'Ea' })]));
    const execute = okTools();
    const result = await runToolLoop({ prompt: 'p', send, execute, tokensLeft: 1e6 });
    expect(result).toMatchObject({ outcome: 'error', text: 'The athlete is', toolCalls: [] });
    expect(result.detail).toMatch(/cut off at max_tokens/);
    expect(execute).not.toHaveBeenCalled();
  });

  it('ends a stop_sequence as completed and keeps the last text said when the last turn has none', async () => {
    const { send } = script(reply('tool_use', [text('Interim note.'), use('toolu_1', 'update_thresholds', {})]), reply('stop_sequence', []));
    const result = await runToolLoop({ prompt: 'p', send, execute: okTools(), tokensLeft: 1e6 });
    expect(result).toMatchObject({ outcome: 'completed', text: 'Interim note.' });
  });

  it('continues a pause_turn with the assistant turn as it is', async () => {
    const { send, requests } = script(reply('pause_turn', [text('Thinking…')]), reply('end_turn', [text('Done.')]));
    const result = await runToolLoop({ prompt: 'p', send, execute: okTools(), tokensLeft: 1e6 });
    expect(result.outcome).toBe('completed');
    expect(requests[1].messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it.each([
    ['no content array', { id: 'm', type: 'message', role: 'assistant', stop_reason: 'end_turn', usage: { input_tokens: 5, output_tokens: 1 } }, /no content array/],
    ['a null answer', null, /not a JSON object/],
    ['a block without a type', reply('end_turn', [{ text: 'hi' }]), /content\[0\] has no type/],
    ['tool_use without blocks', reply('tool_use', [text('hm')]), /stop_reason tool_use without a tool_use block/],
    ['a tool_use block without an id', reply('tool_use', [{ type: 'tool_use', name: 'update_thresholds', input: {} }]), /without id or name/],
    ['an unknown stop_reason', reply('something_new', [text('hi')]), /stop_reason "something_new"/],
    ['a missing stop_reason', reply(null, [text('hi')]), /stop_reason null/],
    ['an error object', { type: 'error', error: { type: 'api_error', message: 'boom' } }, /error object/],
  ])('turns a malformed answer (%s) into a clear error, no crash', async (_what, answer, detail) => {
    const { send } = script(answer);
    const result = await runToolLoop({ prompt: 'p', send, execute: okTools(), tokensLeft: 1e6 });
    expect(result.outcome).toBe('error');
    expect(result.detail).toMatch(/malformed answer from the Anthropic API to request 1/);
    expect(result.detail).toMatch(detail);
  });

  it('passes over block types it does not know and still runs the tool calls', async () => {
    const { send } = script(
      reply('tool_use', [{ type: 'thinking', thinking: '…', signature: 's' }, { type: 'future_block', x: 1 }, use('toolu_1', 'update_thresholds', { hr_max: 150 })]),
      reply('end_turn', [text('Done.')]),
    );
    const result = await runToolLoop({ prompt: 'p', send, execute: okTools(), tokensLeft: 1e6 });
    expect(result).toMatchObject({ outcome: 'completed', toolCalls: [{ name: 'update_thresholds' }] });
  });

  it('counts missing usage as zero rather than failing', async () => {
    const { send } = script({ ...reply('end_turn', [text('ok')]), usage: undefined });
    const result = await runToolLoop({ prompt: 'p', send, execute: okTools(), tokensLeft: 1e6 });
    expect(result).toMatchObject({ outcome: 'completed', inputTokens: 0, outputTokens: 0 });
  });

  it('reports a failed request with its message and what the cycle did before it', async () => {
    const { send } = script(reply('tool_use', [use('toolu_1', 'update_thresholds', {})]), new Error('Anthropic API overloaded (529 overloaded_error) after 2 retries'));
    const result = await runToolLoop({ prompt: 'p', send, execute: okTools(), tokensLeft: 1e6 });
    expect(result).toMatchObject({ outcome: 'error', detail: 'Anthropic API overloaded (529 overloaded_error) after 2 retries', inputTokens: 100, toolCalls: [{ name: 'update_thresholds' }] });
  });

  it('starts no request and no tool call once the signal is aborted', async () => {
    const controller = new AbortController();
    const { send } = script(reply('tool_use', [use('toolu_1', 'update_thresholds', {}), use('toolu_2', 'send_coaching_message', { text: 'x' })]));
    const execute = jest.fn(async (): Promise<ToolExecution> => {
      controller.abort();
      return { ok: true, text: 'done' };
    });
    const result = await runToolLoop({ prompt: 'p', send, execute, tokensLeft: 1e6, signal: controller.signal });
    expect(execute).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledTimes(1);
    expect(result).toMatchObject({ outcome: 'error', toolCalls: [{ name: 'update_thresholds' }] });
    expect(result.detail).toMatch(/cancelled during the tool calls of request 1/);

    const before = script(reply('end_turn', [text('never')]));
    const aborted = await runToolLoop({ prompt: 'p', send: before.send, execute, tokensLeft: 1e6, signal: AbortSignal.abort() });
    expect(before.send).not.toHaveBeenCalled();
    expect(aborted).toMatchObject({ outcome: 'error', detail: 'cancelled before request 1', inputTokens: 0 });
  });
});
