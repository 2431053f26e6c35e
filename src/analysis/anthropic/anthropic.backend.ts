import type Anthropic from '@anthropic-ai/sdk';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AnalysisTools, ToolExecution } from '../analysis-tools';
import { AnalysisBackend, CycleInput, CycleResult, emptyResult } from '../backends/analysis-backend';
import { AnthropicClient } from './anthropic.client';
import { ANALYSIS_SYSTEM_PROMPT } from './system-prompt';
import { MAX_TURNS, runToolLoop } from './tool-loop';

/** Output tokens one request may produce: a short analysis and a few tool calls fit many times over. */
export const MAX_TOKENS_PER_REQUEST = 1024;
/** Ceiling of one HTTP attempt; the cycle's deadline cuts it shorter. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** Coaching messages one cycle may send: the system prompt asks for one, a second only when urgent. */
export const MAX_MESSAGES_PER_CYCLE = 2;

/**
 * ANALYSIS_BACKEND=anthropic: the cycle is a Messages API conversation with the race prompt, a
 * race-day coaching system prompt and the tools update_thresholds and send_coaching_message, run
 * by the server through the same services as REST and MCP.
 */
@Injectable()
export class AnthropicBackend extends AnalysisBackend {
  readonly name = 'anthropic' as const;
  /** The prompt's closing section names the tools of this conversation instead of REST and MCP. */
  override readonly promptActions = 'tools' as const;
  private readonly logger = new Logger(AnthropicBackend.name);

  constructor(
    private readonly config: AppConfig,
    private readonly tools: AnalysisTools,
    private readonly client: AnthropicClient,
  ) {
    super();
  }

  async run(input: CycleInput): Promise<CycleResult> {
    try {
      return await this.converse(input);
    } catch (error) {
      // runToolLoop does not throw; this is only a last guard for the "backends never throw" rule.
      return emptyResult('error', `anthropic backend failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  private converse(input: CycleInput): Promise<CycleResult> {
    const tools = this.tools.definitions() as Anthropic.Tool[];
    let messagesSent = 0;
    return runToolLoop({
      prompt: input.prompt,
      maxTurns: MAX_TURNS,
      tokensLeft: input.tokensLeft,
      signal: input.signal,
      send: async (messages, { turn, final }) => {
        const timeoutMs = Math.max(1, Math.min(REQUEST_TIMEOUT_MS, input.deadline - Date.now()));
        const message = await this.client.createMessage(
          {
            model: this.config.anthropicModel,
            max_tokens: MAX_TOKENS_PER_REQUEST,
            system: ANALYSIS_SYSTEM_PROMPT,
            tools,
            // The last request the turn bound allows asks for the closing text, not more tool calls.
            ...(final ? { tool_choice: { type: 'none' as const } } : {}),
            messages,
          },
          { signal: input.signal, timeoutMs },
        );
        this.logger.debug({
          msg: `anthropic request ${turn}: ${message?.stop_reason ?? 'no stop_reason'}`, sessionId: input.sessionId,
          input_tokens: message?.usage?.input_tokens, output_tokens: message?.usage?.output_tokens,
        });
        return message;
      },
      execute: async (name, toolInput): Promise<ToolExecution> => {
        if (name === 'send_coaching_message' && messagesSent >= MAX_MESSAGES_PER_CYCLE) {
          return { ok: false, text: `not sent: ${MAX_MESSAGES_PER_CYCLE} messages already went to the athlete this cycle` };
        }
        const result = await this.tools.execute(input.sessionId, name, toolInput);
        if (name === 'send_coaching_message' && result.ok) messagesSent++;
        return result;
      },
    });
  }
}
