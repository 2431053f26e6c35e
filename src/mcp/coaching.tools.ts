import { Injectable, Logger } from '@nestjs/common';
import { Tool } from '@rekog/mcp-nest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { AnalysisService } from '../analysis/analysis.service';
import { TelegramClient } from '../telegram/telegram.client';
import { TrackingService } from '../tracking/tracking.service';
import { analysisOutput, coachingOutput, sendCoachingInput, sessionOnlyInput } from './schemas';
import { runTool, toolError, toolOk } from './tool-result';

/** Analysis and coaching tools: thin faces over AnalysisService and the Telegram client. */
@Injectable()
export class CoachingTools {
  private readonly logger = new Logger('McpTools');

  constructor(
    private readonly tracking: TrackingService,
    private readonly analysis: AnalysisService,
    private readonly telegram: TelegramClient,
  ) {}

  /** The given id (the service it goes to checks it exists), or the only active session. */
  private async sessionId(given?: string): Promise<string> {
    return given ?? this.tracking.resolveSessionId();
  }

  @Tool({
    name: 'trigger_analysis',
    description:
      'Run a full AI analysis of the race now (the last analyze_window_min minutes of data against the thresholds); it runs in ' +
      'the background and its result goes to the athlete\'s Telegram. Answers at once with a job id.',
    parameters: sessionOnlyInput,
    outputSchema: analysisOutput,
    annotations: { title: 'Trigger a race analysis', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  triggerAnalysis(args: z.infer<typeof sessionOnlyInput>): Promise<CallToolResult> {
    return runTool('trigger_analysis', this.logger, async () => {
      const id = await this.sessionId(args.session_id);
      const job = await this.analysis.trigger(id);
      return toolOk(
        `Analysis of session ${job.session_id} started (job ${job.job_id}); it runs in the background. ` +
          'get_tracking_status shows analysis runs and the last result.',
        job,
      );
    });
  }

  @Tool({
    name: 'send_coaching_message',
    description:
      'Send a short coaching message to the athlete on Telegram (e.g. "HR 152 for 8 min, cap is 144: ease off to ~150 W"). ' +
      'Keep it to one or two sentences they can read mid-race. Needs Telegram configured on the server.',
    parameters: sendCoachingInput,
    outputSchema: coachingOutput,
    annotations: { title: 'Send a coaching message', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  sendCoachingMessage(args: z.infer<typeof sendCoachingInput>): Promise<CallToolResult> {
    return runTool('send_coaching_message', this.logger, async () => {
      if (!this.telegram.enabled) {
        return toolError(
          'Not sent: Telegram delivery is off on this server (TELEGRAM_BOT_TOKEN is not set). ' +
            'Tell the user the message instead, or ask the operator to configure TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID.',
        );
      }
      const sent = await this.telegram.send(args.text, args.chat_id);
      return toolOk(`Sent to Telegram chat ${sent.chat_id} (message ${sent.message_id}).`, sent);
    });
  }
}
