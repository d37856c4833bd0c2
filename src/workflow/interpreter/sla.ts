/**
 * Flow `sla` (Kestra 1.x): MAX_DURATION SLAs race the execution with a durable timer each;
 * EXECUTION_ASSERTION SLAs are evaluated once the final state is known. A violation adds the SLA's
 * labels and, by its `behavior`, logs (NONE), fails (FAIL) or cancels (CANCEL) the execution.
 */
import type { FlowSpec, LogLevel, SlaSpec } from '../flow/spec';
import { type Context, isTruthy, renderTyped } from '../expression';
import { messageOf } from '../error-message';
import { formatDuration, parseDuration } from './duration';
import type { Execution, State } from './execution';
import type { InterpreterPort } from './interpreter-port';
import { SLA_PATCH } from '../patches';

/** How an SLA violation ends the execution. */
export interface SlaStop {
  state: 'FAILED' | 'CANCELLED';
  message: string;
}

/** What the SLA rules see of the running execution (FlowRun provides it). */
export interface SlaHost {
  readonly port: InterpreterPort;
  readonly execution: Execution;
  log(level: LogLevel, message: string): void;
  changed(): void;
  /** The variables an assertion sees. */
  variables(): Context;
}

export class FlowSlas {
  /** Set when a MAX_DURATION SLA violation (FAIL or CANCEL) stopped the running tasks. */
  stop: SlaStop | undefined;
  private readonly slas: readonly SlaSpec[];

  constructor(
    flow: FlowSpec,
    private readonly host: SlaHost,
  ) {
    // Executions recorded before SLAs were applied ignored them: they replay without their timers.
    this.slas = flow.sla?.length && (host.port.patched?.(SLA_PATCH) ?? true) ? flow.sla : [];
  }

  /**
   * MAX_DURATION SLAs: one durable timer each, racing `body`, counted from the execution's start.
   * When one fires first, the SLA is violated: its labels are added and, for FAIL and CANCEL, the
   * running tasks are stopped (the caller then ends the execution by `stop`).
   */
  async runWithinMaxDurations(body: () => Promise<void>): Promise<void> {
    const maxDurations = this.slas.filter((sla) => sla.type === 'MAX_DURATION');
    const { port } = this.host;
    const cancellable = port.cancellable?.bind(port);
    if (maxDurations.length === 0 || !cancellable) return body();
    const main = cancellable(body);
    let ended = false;
    const startedAt = Date.parse(this.host.execution.startDate);
    const timers = maxDurations.map((sla) => {
      const remaining = Math.max(0, (parseDuration(sla.duration ?? '') ?? 0) - (port.now().getTime() - startedAt));
      const timer = cancellable(() => port.sleep(remaining, `SLA ${sla.id}: ${sla.duration}`));
      timer.result.then(
        () => {
          if (ended || this.stop) return;
          const elapsed = formatDuration(port.now().getTime() - startedAt);
          const stop = this.violated(sla, `execution duration of ${elapsed} exceed the maximum duration of ${sla.duration}.`);
          if (stop) {
            this.stop = stop;
            main.cancel();
          }
        },
        () => undefined, // cancelled: the execution ended first, or was killed
      );
      return timer;
    });
    try {
      await main.result;
    } finally {
      ended = true;
      for (const timer of timers) timer.cancel();
    }
  }

  /** EXECUTION_ASSERTION SLAs, evaluated once the final state is known (`execution.state` shows it). */
  assert(state: State): State {
    const { execution } = this.host;
    let final = state;
    for (const sla of this.slas) {
      if (sla.type !== 'EXECUTION_ASSERTION' || sla.assert === undefined) continue;
      execution.state = final;
      let holds: boolean;
      try {
        holds = isTruthy(renderTyped(sla.assert, this.host.variables()));
      } catch (error) {
        this.host.log('WARN', `SLA '${sla.id}': the assertion could not be evaluated: ${messageOf(error)}`);
        holds = false;
      }
      if (holds) continue;
      const stop = this.violated(sla, `assertion is false: ${sla.assert}.`);
      if (stop && final !== 'KILLED') {
        final = stop.state;
        if (stop.state === 'FAILED') execution.error = stop.message;
      }
    }
    return final;
  }

  /** Logs a violation and adds the SLA's labels; returns how the execution must end (none for NONE). */
  private violated(sla: SlaSpec, reason: string): SlaStop | undefined {
    const { execution, port } = this.host;
    if (Object.keys(sla.labels).length > 0) {
      Object.assign(execution.labels, sla.labels);
      port.labelsChanged?.({ ...execution.labels });
    }
    if (sla.behavior === 'NONE') {
      this.host.log('WARN', `SLA '${sla.id}' violated: ${reason}`);
      this.host.changed();
      return undefined;
    }
    const state = sla.behavior === 'FAIL' ? 'FAILED' : 'CANCELLED';
    const message = `Execution ${state === 'FAILED' ? 'failed' : 'cancelled'} due to SLA '${sla.id}' violated: ${reason}`;
    this.host.log(state === 'FAILED' ? 'ERROR' : 'WARN', message);
    return { state, message };
  }
}
