/**
 * TensorFlow's error classes (`tf.errors`), with its codes and words.
 *
 *   try { sess.run(v) } catch (e) {
 *     if (e instanceof tf.errors.FailedPreconditionError) ...  // e.errorCode === 9
 *   }
 */
import type { Operation } from '../graph/operation.js';

export const OK = 0;
export const CANCELLED = 1;
export const UNKNOWN = 2;
export const INVALID_ARGUMENT = 3;
export const DEADLINE_EXCEEDED = 4;
export const NOT_FOUND = 5;
export const ALREADY_EXISTS = 6;
export const PERMISSION_DENIED = 7;
export const RESOURCE_EXHAUSTED = 8;
export const FAILED_PRECONDITION = 9;
export const ABORTED = 10;
export const OUT_OF_RANGE = 11;
export const UNIMPLEMENTED = 12;
export const INTERNAL = 13;
export const UNAVAILABLE = 14;
export const DATA_LOSS = 15;
export const UNAUTHENTICATED = 16;

/** The base of every error a graph operation can raise, as in `tf.errors.OpError`. */
export class OpError extends Error {
  /** The operation that failed, when one is known. */
  readonly op: Operation | null;
  readonly errorCode: number;

  constructor(message: string, op: Operation | null = null, errorCode: number = UNKNOWN) {
    super(message);
    this.op = op;
    this.errorCode = errorCode;
  }

  override get name(): string { return this.constructor.name; }
  get nodeDef(): { name: string; op: string } | null {
    return this.op ? { name: this.op.name, op: this.op.type } : null;
  }
}

function opErrorClass(code: number) {
  return class extends OpError {
    constructor(message: string, op: Operation | null = null) { super(message, op, code); }
  };
}

export class CancelledError extends opErrorClass(CANCELLED) {}
export class UnknownError extends opErrorClass(UNKNOWN) {}
export class InvalidArgumentError extends opErrorClass(INVALID_ARGUMENT) {}
export class DeadlineExceededError extends opErrorClass(DEADLINE_EXCEEDED) {}
export class NotFoundError extends opErrorClass(NOT_FOUND) {}
export class AlreadyExistsError extends opErrorClass(ALREADY_EXISTS) {}
export class PermissionDeniedError extends opErrorClass(PERMISSION_DENIED) {}
export class ResourceExhaustedError extends opErrorClass(RESOURCE_EXHAUSTED) {}
export class FailedPreconditionError extends opErrorClass(FAILED_PRECONDITION) {}
export class AbortedError extends opErrorClass(ABORTED) {}
export class OutOfRangeError extends opErrorClass(OUT_OF_RANGE) {}
export class UnimplementedError extends opErrorClass(UNIMPLEMENTED) {}
export class InternalError extends opErrorClass(INTERNAL) {}
export class UnavailableError extends opErrorClass(UNAVAILABLE) {}
export class DataLossError extends opErrorClass(DATA_LOSS) {}
export class UnauthenticatedError extends opErrorClass(UNAUTHENTICATED) {}

/**
 * Misuse of the Python-side API that TensorFlow reports as a RuntimeError, e.g.
 * `Attempted to use a closed Session.` or adding ops to a finalized graph.
 * Not an OpError, as in TensorFlow.
 */
export class RuntimeError extends Error {
  override get name(): string { return 'RuntimeError'; }
}

/** TensorFlow's suffix naming the node that failed: `\n\t [[{{node x}}]]`. */
export function nodeSuffix(opName: string): string {
  return `\n\t [[{{node ${opName}}}]]`;
}

/** A lookup that found nothing, e.g. an op type with no gradient (Python's LookupError). */
export class LookupError extends Error {
  override get name(): string { return 'LookupError'; }
}
