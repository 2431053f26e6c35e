import type Anthropic from '@anthropic-ai/sdk';
import type { AnalysisToolCall } from '../../storage/analysis.entity';
import type { ToolExecution } from '../analysis-tools';
import type { CycleResult } from '../backends/analysis-backend';

/** Requests one cycle may make (so at most MAX_TURNS - 1 rounds of tool calls); the last one offers no tools. */
export const MAX_TURNS = 6;
/** How much of a tool's answer the history keeps (Claude gets it whole). */
export const TOOL_RESULT_MAX = 300;

export interface SendContext {
  /** 1-based number of this request in the cycle. */
  turn: number;
  /** The last request the turn bound allows: send it with tool_choice none so Claude answers in text. */
  final: boolean;
}

export interface ToolLoopInput {
  prompt: string;
  /** One Messages API request with the conversation so far. Throws on failure (its message is the detail). */
  send: (messages: Anthropic.MessageParam[], context: SendContext) => Promise<Anthropic.Message>;
  /** Runs one tool call; never expected to throw, but a throw is taken as a failed call. */
  execute: (name: string, input: unknown) => Promise<ToolExecution>;
  /**
   * Tokens (input + output) the race may still spend. The first request is the caller's decision
   * (the service refuses a cycle once the budget is spent); no later request starts whose input,
   * known from the previous one, would pass it.
   */
  tokensLeft: number;
  maxTurns?: number;
  /** When aborted, no further request or tool call starts. */
  signal?: AbortSignal;
}

/** ~4 characters a token: good enough to stop before a request that would clearly pass the budget. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function shorten(text: string, max = TOOL_RESULT_MAX): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

type Block = { type: string; [key: string]: unknown };
type ToolUse = { id: string; name: string; input: unknown };

/**
 * The tool-use conversation of one analysis cycle: the prompt goes out, every tool_use Claude asks
 * for is run and answered (all of one turn in one user message of tool_result blocks, failures as
 * is_error), until Claude ends its turn, the turn bound, max_tokens, the token budget or the
 * signal stops it. Never throws: every end is an outcome with a one-line detail, and whatever was
 * spent and done so far (tokens, tool calls, text) is in the result.
 */
export async function runToolLoop(input: ToolLoopInput): Promise<CycleResult> {
  const maxTurns = Math.max(1, input.maxTurns ?? MAX_TURNS);
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: input.prompt }];
  const toolCalls: AnalysisToolCall[] = [];
  let inputTokens = 0;
  let outputTokens = 0;
  let text: string | null = null;
  let nextRequestTokens = 0;

  const end = (outcome: 'completed' | 'error', detail: string): CycleResult => ({ outcome, detail, text, toolCalls, inputTokens, outputTokens });
  const calls = () => `${toolCalls.length} tool call${toolCalls.length === 1 ? '' : 's'}`;

  for (let turn = 1; turn <= maxTurns; turn++) {
    if (input.signal?.aborted) return end('error', `cancelled before request ${turn}`);
    const spent = inputTokens + outputTokens;
    if (spent + nextRequestTokens > input.tokensLeft) {
      return end(
        'error',
        `token budget: stopped before request ${turn}, which would take about ${nextRequestTokens} input tokens ` +
          `with ${Math.max(0, input.tokensLeft - spent)} of this race's budget left (ANALYSIS_MAX_TOKENS_PER_RACE)`,
      );
    }

    let message: Anthropic.Message;
    try {
      message = await input.send(messages, { turn, final: turn === maxTurns });
    } catch (error) {
      return end('error', errorText(error));
    }

    const problem = malformed(message);
    if (problem) return end('error', `malformed answer from the Anthropic API to request ${turn}: ${problem}`);
    const usage = tokensOf(message.usage);
    inputTokens += usage.input;
    outputTokens += usage.output;
    const blocks = message.content as unknown as Block[];
    const said = blocks
      .filter((b) => b.type === 'text' && typeof b.text === 'string')
      .map((b) => (b.text as string).trim())
      .filter(Boolean)
      .join('\n\n');
    if (said) text = said; // the last turn that said something is the analysis
    messages.push({ role: 'assistant', content: message.content as Anthropic.ContentBlockParam[] });

    switch (message.stop_reason) {
      case 'end_turn':
      case 'stop_sequence':
        return end('completed', `Claude ended its turn after ${turn} request${turn === 1 ? '' : 's'} and ${calls()}`);
      case 'max_tokens':
        return end('error', `Claude's answer to request ${turn} was cut off at max_tokens; its tool calls, if any, were not run`);
      case 'pause_turn':
        // Server-side pause: the API goes on from the assistant turn as it is.
        nextRequestTokens = usage.input + usage.output;
        continue;
      case 'tool_use':
        break;
      case 'refusal':
        return end('error', `Claude declined to answer request ${turn} (stop_reason refusal)`);
      case 'model_context_window_exceeded':
        return end('error', `the conversation outgrew the model's context window at request ${turn}`);
      default:
        return end('error', `malformed answer from the Anthropic API to request ${turn}: stop_reason ${JSON.stringify(message.stop_reason ?? null)}`);
    }

    const uses = toolUsesOf(blocks);
    if (typeof uses === 'string') return end('error', `malformed answer from the Anthropic API to request ${turn}: ${uses}`);
    if (turn === maxTurns) {
      return end('error', `turn bound: Claude still asked for ${uses.map((u) => u.name).join(', ')} at request ${turn} of ${maxTurns}; those calls were not run`);
    }

    const results: Anthropic.ToolResultBlockParam[] = [];
    for (const use of uses) {
      if (input.signal?.aborted) return end('error', `cancelled during the tool calls of request ${turn}`);
      let execution: ToolExecution;
      try {
        execution = await input.execute(use.name, use.input);
      } catch (error) {
        execution = { ok: false, text: `the tool failed: ${errorText(error)}` };
      }
      toolCalls.push({ name: use.name, input: use.input, ok: execution.ok, result: shorten(execution.text) });
      results.push({ type: 'tool_result', tool_use_id: use.id, content: execution.text, ...(execution.ok ? {} : { is_error: true }) });
    }
    messages.push({ role: 'user', content: results });
    // The next request carries all of this one again, plus Claude's answer and the tool results.
    nextRequestTokens = usage.input + usage.output + estimateTokens(results.map((r) => String(r.content)).join(''));
  }
  // Only a pause_turn on the last request lands here.
  return end('error', `turn bound: the conversation was still going after ${maxTurns} requests`);
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim() || 'unknown error';
}

/** Why an answer cannot be read as a Message, or null when it can. */
function malformed(message: unknown): string | null {
  if (!message || typeof message !== 'object') return 'not a JSON object';
  const m = message as Record<string, unknown>;
  if (m.type === 'error') return 'an error object in a 200 answer';
  if (!Array.isArray(m.content)) return 'no content array';
  for (const [i, block] of (m.content as unknown[]).entries()) {
    if (!block || typeof block !== 'object' || typeof (block as Block).type !== 'string') return `content[${i}] has no type`;
    if ((block as Block).type === 'text' && typeof (block as Block).text !== 'string') return `content[${i}] is a text block without text`;
  }
  return null;
}

/** Tool calls of a tool_use turn, or why they cannot be run. Block types we do not know are passed over. */
function toolUsesOf(blocks: Block[]): ToolUse[] | string {
  const uses: ToolUse[] = [];
  for (const block of blocks) {
    if (block.type !== 'tool_use') continue;
    if (typeof block.id !== 'string' || block.id === '' || typeof block.name !== 'string') return 'a tool_use block without id or name';
    uses.push({ id: block.id, name: block.name, input: block.input });
  }
  return uses.length > 0 ? uses : 'stop_reason tool_use without a tool_use block';
}

/** Input counts what the API bills as input: fresh, cache writes and cache reads. */
function tokensOf(usage: unknown): { input: number; output: number } {
  const u = (usage && typeof usage === 'object' ? usage : {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);
  return { input: n(u.input_tokens) + n(u.cache_creation_input_tokens) + n(u.cache_read_input_tokens), output: n(u.output_tokens) };
}
