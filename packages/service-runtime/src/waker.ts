/**
 * A loop's pause that a wake-up ends early, and that does not lose a wake-up arriving while the
 * loop was busy rather than asleep: the next pause then returns at once.
 */
export class Waker {
  private woken = false;
  private resolve: (() => void) | undefined;

  wake(): void {
    if (this.resolve) {
      const resolve = this.resolve;
      this.resolve = undefined;
      resolve();
    } else {
      this.woken = true;
    }
  }

  /** Resolves after `ms`, or at the first wake-up, or at once if one came since the last pause. */
  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.resolve = undefined;
        resolve();
      }, ms);
      this.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
