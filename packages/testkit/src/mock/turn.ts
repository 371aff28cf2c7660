import type { MockAnswer } from './content.ts';

/** Everything a reply builder needs about one request, computed once by the route. */
export interface Turn {
  /** Unique per mock instance, used in ids (`chatcmpl-mock-<id>`, `msg_mock_<id>`, …). */
  readonly id: number;
  /** Unix seconds. */
  readonly created: number;
  /** The requested model as JSON text (quotes included), echoed back. */
  readonly modelJson: string;
  readonly answer: MockAnswer;
  readonly promptTokens: number;
}

interface AnswerJson {
  readonly text: string;
  readonly chunks: readonly string[];
}

const answerJsonCache = new Map<MockAnswer, AnswerJson>();

/** JSON texts of an answer and of its chunks, built once per answer. */
export function answerJson(answer: MockAnswer): AnswerJson {
  let cached = answerJsonCache.get(answer);
  if (cached === undefined) {
    cached = { text: JSON.stringify(answer.text), chunks: answer.chunks.map((c) => JSON.stringify(c)) };
    answerJsonCache.set(answer, cached);
  }
  return cached;
}
