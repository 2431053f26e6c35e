import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { AthletesService } from '../athletes/athletes.service';
import { ConflictError, InputError, NotFoundError } from '../common/errors';
import { ControlService } from '../control/control.service';
import { sendCoachingInput, TOOL_DESCRIPTIONS, updateThresholdsInput } from '../mcp/schemas';
import { TrackStore } from '../storage/track-store.service';
import { CoachingMessages } from '../telegram/coaching-messages.service';
import { redactSecrets } from '../tracking/share-url';

/**
 * The tools an analysis cycle offers Claude: the MCP tools' own input schemas without session_id
 * (the cycle acts on its own race), so the three faces share one definition.
 */
export const ANALYSIS_TOOL_INPUTS = {
  update_thresholds: updateThresholdsInput.omit({ session_id: true }),
  send_coaching_message: sendCoachingInput,
} as const;

export type AnalysisToolName = keyof typeof ANALYSIS_TOOL_INPUTS;

/** A tool as the Messages API takes it. */
export interface AnalysisToolDefinition {
  name: AnalysisToolName;
  description: string;
  input_schema: { type: 'object'; [key: string]: unknown };
}

/** What a tool call came to: `text` goes back to Claude as the tool_result. */
export interface ToolExecution {
  ok: boolean;
  text: string;
}

/** Who changed the thresholds, as the session's thresholds_updated_by shows it. */
export const ANALYSIS_ACTOR = 'analysis';

function jsonSchemaOf(schema: z.ZodType): AnalysisToolDefinition['input_schema'] {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { ...rest, type: 'object' };
}

/** "field: problem; field: problem", so Claude can correct the call. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * Runs Claude's tool calls of an analysis cycle through the same services as REST and MCP.
 * Never throws: bad input and refusals come back as { ok: false } with a message Claude can act on.
 */
@Injectable()
export class AnalysisTools {
  private readonly logger = new Logger(AnalysisTools.name);
  private readonly defs: AnalysisToolDefinition[];

  constructor(
    private readonly control: ControlService,
    private readonly coaching: CoachingMessages,
    private readonly store: TrackStore,
    private readonly athletes: AthletesService,
  ) {
    this.defs = (Object.keys(ANALYSIS_TOOL_INPUTS) as AnalysisToolName[]).map((name) => ({
      name,
      description: TOOL_DESCRIPTIONS[name],
      input_schema: jsonSchemaOf(ANALYSIS_TOOL_INPUTS[name]),
    }));
  }

  definitions(): AnalysisToolDefinition[] {
    return this.defs;
  }

  async execute(sessionId: string, name: string, input: unknown): Promise<ToolExecution> {
    if (!(name in ANALYSIS_TOOL_INPUTS)) {
      return { ok: false, text: `unknown tool "${name}"; the tools are ${Object.keys(ANALYSIS_TOOL_INPUTS).join(', ')}` };
    }
    const parsed = ANALYSIS_TOOL_INPUTS[name as AnalysisToolName].safeParse(input ?? {});
    if (!parsed.success) return { ok: false, text: `invalid input: ${describeIssues(parsed.error)}` };
    try {
      if (name === 'update_thresholds') {
        const result = await this.control.updateThresholds(sessionId, parsed.data as Record<string, unknown>, ANALYSIS_ACTOR);
        return { ok: true, text: JSON.stringify({ changed: result.changed, thresholds: result.thresholds, coaching: result.coaching }) };
      }
      const { text, chat_id } = parsed.data as z.infer<typeof sendCoachingInput>;
      // This race's athlete's own chat unless Claude named one.
      const chat = chat_id ?? (await this.athletes.telegramChatOf((await this.store.findSession(sessionId))?.athleteKey)) ?? undefined;
      const sent = await this.coaching.send(text, chat);
      return { ok: true, text: `sent to Telegram chat ${sent.chat_id} (message ${sent.message_id})` };
    } catch (error) {
      const message = redactSecrets((error as Error).message ?? String(error));
      if (!(error instanceof InputError || error instanceof NotFoundError || error instanceof ConflictError)) {
        this.logger.warn({ msg: `analysis tool ${name} failed: ${message}`, sessionId });
      }
      return { ok: false, text: message };
    }
  }
}
