import { SpanStatusCode } from '@opentelemetry/api';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { sharedAppMetrics } from './app-metrics.service';
import { ATTRS, SPANS } from './metrics';
import { inSpan } from './tracing';

/**
 * Wraps one MCP tool call: a `tools/call <tool>` span and the tool-calls counter. A result with
 * isError (a tool error the model can act on) counts as outcome "error", like a throw.
 */
export function instrumentToolCall(tool: string, call: () => Promise<CallToolResult>): Promise<CallToolResult> {
  return inSpan(
    `${SPANS.toolCall} ${tool}`,
    { [ATTRS.mcpMethod]: 'tools/call', [ATTRS.toolName]: tool },
    async (span) => {
      let outcome: 'ok' | 'error' = 'error';
      try {
        const result = await call();
        outcome = result.isError ? 'error' : 'ok';
        if (result.isError) span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool error' });
        return result;
      } finally {
        span.setAttribute(ATTRS.outcome, outcome);
        sharedAppMetrics().toolCall(tool, outcome);
      }
    },
  );
}
