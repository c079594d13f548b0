/**
 * headunit simulator and trace tools: trace readers/writers, the player, synthetic vehicles and
 * the engineers' commands. This file is the package's whole public surface.
 */
export { SimError, TraceFormatError } from './src/errors.ts';
export { parseCandumpLine, formatCandumpLine } from './src/readers/candump-line.ts';
export { decodeCommand } from './src/cli/decode.ts';
export { demoCommand } from './src/cli/demo.ts';
export { candumpCommand, formatCandumpScreen } from './src/cli/candump.ts';
export { cansendCommand } from './src/cli/cansend.ts';
export { loadScenario, valueAt, type Scenario, type Keyframe } from './src/scenario/scenario.ts';
export { SyntheticVehicle } from './src/scenario/synthetic-vehicle.ts';
export { ScenarioFeed } from './src/scenario/scenario-feed.ts';
export type { TraceFormat, TraceReader, TraceWriter, TraceReadOptions, TraceStats } from './src/trace.ts';
export {
  openTraceReader,
  createTraceWriter,
  detectTraceFormat,
  formatFromExtension,
  TRACE_EXTENSIONS,
  DETECT_BYTES,
  TraceWriteError,
  type OpenTraceOptions,
  type CreateTraceOptions,
  type BatchTraceReader,
  type ChunkedReadOptions,
  type BlfWriteOptions,
} from './src/trace-io.ts';
export { Player, type PlayerOptions, type PlayerStats, type FrameSink } from './src/player/player.ts';
export { realClock, coarseClock, FakeClock, type Clock } from './src/player/clock.ts';
export { TraceFeed, type BusFeed, type TraceFeedOptions } from './src/player/trace-feed.ts';
export { summarizeTrace, frameSeconds, type TraceSummary, type BusSummary, type IdSummary, type BusRates } from './src/trace-summary.ts';
export { replayCommand } from './src/cli/replay.ts';
export { recordCommand } from './src/cli/record.ts';
export { traceInfoCommand } from './src/cli/trace-info.ts';
export { traceConvertCommand } from './src/cli/trace-convert.ts';
export { Progress, type ProgressOptions } from './src/progress.ts';
export { SimulatedHaLight, type LightTopics, type ReceivedCommand } from './src/home/ha-json-light.ts';
