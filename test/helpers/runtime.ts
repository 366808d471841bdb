import { type Pid, Runtime, type RuntimeOptions, silentLogger } from '../../runtime/index.js';

/** A runtime with crash reports silenced (tests assert on crashes through monitors instead). */
export function quietRuntime(options: RuntimeOptions = {}): Runtime {
  return new Runtime({ logger: silentLogger, ...options });
}

/** A handler process that records every message it receives. */
export function collector(
  rt: Runtime,
  options: { trapExit?: boolean } = {},
): { pid: Pid; messages: unknown[] } {
  const messages: unknown[] = [];
  const pid = rt.spawn(
    {
      receive(msg) {
        messages.push(msg);
      },
    },
    options.trapExit === undefined ? {} : { trapExit: options.trapExit },
  );
  return { pid, messages };
}

/** A handler process that never ends on its own and ignores messages. */
export function idle(rt: Runtime): Pid {
  return rt.spawn({ receive() {} });
}
