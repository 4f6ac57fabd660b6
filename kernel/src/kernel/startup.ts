/**
 * When the kernel's start-up compile may begin (issue 14, start-up latency).
 *
 * Declaring the greenai library in the notebook compiles its types: ~0.5-2 s of synchronous
 * TypeScript work that blocks the event loop. Started at once (setImmediate) it ran before the
 * sockets were even bound, so kernel_info waited for it and start-up was 1.18x stock tslab. The
 * gate opens once the kernel has answered kernel_info and heard no other for `quietMs` (jupyter_client
 * sends a second one when its IOPub check missed the first), or `maxWaitMs` after the sockets are
 * bound when no kernel_info comes. The first cell still waits for the compile (the handler's queue).
 */
export class StartupGate {
  /** Resolves when the compile may begin. */
  readonly opened: Promise<void>;
  private resolve!: () => void;
  private timer?: NodeJS.Timeout;
  private isOpen = false;

  constructor(
    private readonly quietMs = 300,
    private readonly maxWaitMs = 1000,
  ) {
    this.opened = new Promise<void>((r) => (this.resolve = r));
  }

  /** The sockets are bound: open within maxWaitMs at the latest. */
  listening(): void {
    if (!this.isOpen && !this.timer) this.arm(this.maxWaitMs);
  }

  /** A kernel_info request was answered: open after quietMs without another one. */
  kernelInfo(): void {
    if (!this.isOpen) this.arm(this.quietMs);
  }

  /** Opens now. */
  open(): void {
    if (this.timer) clearTimeout(this.timer);
    this.isOpen = true;
    this.resolve();
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), ms);
  }
}
