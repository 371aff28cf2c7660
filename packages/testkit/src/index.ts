export { freePort } from './free-port.ts';
export {
  chooseAnswer,
  contentText,
  DEFAULT_ANSWER,
  estimatePromptTokens,
  lastUserText,
  type MockAnswer,
  PONG_ANSWER,
} from './mock/content.ts';
export { errorBody } from './mock/errors.ts';
export type { MockFault, MockFaultMode, MockStatusFaultMode } from './mock/faults.ts';
export {
  type MockUpstreamProcess,
  mockCliPath,
  type SpawnMockUpstreamOptions,
  spawnMockUpstream,
} from './mock/spawn.ts';
export {
  DEFAULT_MOCK_API_KEY,
  DEFAULT_MOCK_MODELS,
  type MockCounts,
  type MockUpstream,
  type MockUpstreamOptions,
  type RecordedRequest,
  startMockUpstream,
} from './mock/upstream.ts';
export { MOCK_EMBEDDING } from './mock/wire-openai.ts';
export { MOCK_TOOL_ARGUMENTS, MOCK_TOOL_CALL_TOKENS, MOCK_TOOL_TRIGGER } from './mock/wire-tools.ts';
export {
  type ManagedProcess,
  type ProcessExit,
  type StartProcessOptions,
  startProcess,
  type WaitForOutputOptions,
} from './process/start-process.ts';
export { startTsxProcess, type TsxProcessOptions, tsxLoaderUrl } from './process/tsx.ts';
export {
  type HttpProbeResult,
  type WaitForHttpOptions,
  type WaitForOptions,
  WaitTimeoutError,
  waitFor,
  waitForHttp,
} from './wait.ts';
