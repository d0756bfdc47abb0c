import type { CommandOutput } from './cli-kit.ts';
// Filled in when the validation functions land (helper work in packages/modeling).
export function calibrationReport(_p: Float64Array, _y: Uint8Array, _g: number, _meta: Record<string, string>): CommandOutput {
  throw new Error('not yet');
}
