// How tools answer: a short human text, the data as structuredContent (with the same JSON as a
// second text block, as the MCP spec asks for clients that ignore structuredContent), and domain
// errors as tool errors (isError) so the model can correct itself and the connection stays usable.
import { Logger } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ConflictError, InputError, NotFoundError } from '../common/errors';
import { instrumentToolCall } from '../telemetry/tool-calls';
import { redactSecrets } from '../tracking/share-url';

export function toolOk(text: string, data: object): CallToolResult {
  return {
    content: [
      { type: 'text', text },
      { type: 'text', text: JSON.stringify(data) },
    ],
    structuredContent: data as Record<string, unknown>,
  };
}

export function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text: redactSecrets(text) }], isError: true };
}

/** Services word hints for REST users; on MCP the equivalent is a tool. */
function forMcp(message: string): string {
  return message.replace(/list sessions with GET \/sessions/g, 'call list_races to see known races');
}

/** Maps what a service threw to a tool error a person (or Claude) can act on. */
export function errorResult(tool: string, error: unknown, logger?: Logger): CallToolResult {
  // Service messages are written to be acted on (they name the field and the fix); keep them.
  if (error instanceof InputError || error instanceof NotFoundError || error instanceof ConflictError) {
    return toolError(forMcp(error.message));
  }
  const message = error instanceof Error ? error.message : String(error);
  logger?.error({ msg: 'tool failed', tool, error: redactSecrets(message) }, error instanceof Error ? error.stack : undefined);
  return toolError(`${tool} failed: ${message}. Try again shortly; if it keeps failing, check the server logs or /health.`);
}

/** Runs a tool body; anything it throws becomes a tool error instead of a protocol error. Traced and counted. */
export async function runTool(tool: string, logger: Logger, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  return instrumentToolCall(tool, async () => {
    try {
      return await body();
    } catch (error) {
      return errorResult(tool, error, logger);
    }
  });
}
