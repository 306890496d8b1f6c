// The outcome of the last call into the module: a Status code plus, for a
// failed run, the failing step and the status-specific argument. The module
// is single-threaded, so the wrapper reads these right after the call.
//
//   return fail(Status.UninitializedVariable, varIndex);
import { Status } from './generated/plan_format';

export let lastStatus: i32 = Status.Ok;
export let failStep: i32 = -1;
export let failArg: i32 = 0;

/** Records a failure's argument and returns its status (the step is set by the executor). */
export function fail(status: i32, arg: i32): i32 {
  failArg = arg;
  return status;
}

export function statusReset(): void {
  lastStatus = Status.Ok;
  failStep = -1;
  failArg = 0;
}

export function statusSet(status: i32, step: i32): i32 {
  lastStatus = status;
  failStep = step;
  return status;
}

/** Saturates a byte count to 2^31-1 for Status.OutOfMemory's argument. */
export function saturatedBytes(bytes: u64): i32 {
  return bytes > 0x7FFFFFFF ? 0x7FFFFFFF : <i32>bytes;
}
