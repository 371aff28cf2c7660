/** Anthropic `stop_reason` → OpenAI chat `finish_reason`. */
export function finishReasonOf(stopReason: unknown): string {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn and anything newer: the turn ended normally.
      return 'stop';
  }
}

/**
 * OpenAI chat `finish_reason` → Anthropic `stop_reason`. A chat answer does not say which stop sequence
 * matched, so `stop` becomes `end_turn` (Anthropic's `stop_sequence` would need the matched text).
 */
export function stopReasonOf(finishReason: unknown): string {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}
