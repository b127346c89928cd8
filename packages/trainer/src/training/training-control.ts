import type { TrainingControl } from '@graft/core';

/** The {@link TrainingControl} the trainer hands to callbacks. */
export class StopControl implements TrainingControl {
  private requested = false;
  private reason: string | undefined;

  stop(reason?: string): void {
    if (!this.requested) this.reason = reason;
    this.requested = true;
  }

  get stopRequested(): boolean {
    return this.requested;
  }

  get stopReason(): string | undefined {
    return this.reason;
  }
}
