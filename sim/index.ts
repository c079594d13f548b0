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
export { Progress, type ProgressOptions } from './src/progress.ts';
