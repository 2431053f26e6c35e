import { Injectable, Logger } from '@nestjs/common';
import { Tool } from '@rekog/mcp-nest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { AnalysisService } from '../analysis/analysis.service';
import { CoachingMessages } from '../telegram/coaching-messages.service';
import { TrackingService } from '../tracking/tracking.service';
import { analysisOutput, coachingOutput, sendCoachingInput, sessionOnlyInput, TOOL_DESCRIPTIONS } from './schemas';
import { runTool, toolOk } from './tool-result';

/** Analysis and coaching tools: thin faces over AnalysisService and the Telegram client. */
@Injectable()
export class CoachingTools {
  private readonly logger = new Logger('McpTools');

  constructor(
    private readonly tracking: TrackingService,
    private readonly analysis: AnalysisService,
    private readonly coachingMessages: CoachingMessages,
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
    description: TOOL_DESCRIPTIONS.send_coaching_message,
    parameters: sendCoachingInput,
    outputSchema: coachingOutput,
    annotations: { title: 'Send a coaching message', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  sendCoachingMessage(args: z.infer<typeof sendCoachingInput>): Promise<CallToolResult> {
    return runTool('send_coaching_message', this.logger, async () => {
      const sent = await this.coachingMessages.send(args.text, args.chat_id);
      return toolOk(`Sent to Telegram chat ${sent.chat_id} (message ${sent.message_id}).`, sent);
    });
  }
}
