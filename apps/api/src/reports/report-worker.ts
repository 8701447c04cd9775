import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ReportJobs } from '#app/reports';

/** How often the worker looks for jobs queued elsewhere (another instance) or left by a stopped worker. */
const LOOK_EVERY_MS = 5_000;

/**
 * Makes the reports people asked for as jobs, in the API process, one at a time (drawing a report is CPU
 * work; the box has two cores). A new job wakes it at once; a timer finds jobs queued by other instances.
 * Stopping the app puts a report being made back in the queue.
 */
@Injectable()
export class ReportWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ReportWorker');
  private running?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private readonly stopping = new AbortController();

  constructor(private readonly jobs: ReportJobs) {}

  onApplicationBootstrap(): void {
    this.kick();
    this.timer = setInterval(() => this.kick(), LOOK_EVERY_MS);
    this.timer.unref();
  }

  /** Before the database pool closes: a report being made goes back to the queue, and no query is left open. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  /** Looks for waiting jobs now (again after the current round, if one is under way). */
  kick(): void {
    if (this.stopping.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves when the worker has no job in hand (tests wait on it instead of on the clock). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.jobs.drain('request', this.stopping.signal);
      } catch (error) {
        this.logger.error(`report jobs could not be run: ${(error as Error).message}`);
        return;
      }
    } while (this.again && !this.stopping.signal.aborted);
  }
}
