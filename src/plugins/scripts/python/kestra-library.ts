/**
 * The `kestra` Python module Kestra's Python tasks import (`from kestra import Kestra`), so that
 * scripts written for Kestra run with no package index. It speaks the same protocol as the pip
 * package: one stdout line per message, `::{"outputs": {…}}::`, `::{"metrics": […]}::`,
 * `::{"logs": […]}::`, which the Process runner reads (src/plugins/scripts/process-runner.ts).
 *
 * The module is written once per worker state dir (under `python/`, named by a hash of its source
 * so a new tflow version writes a new copy) and put first on the script's PYTHONPATH.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const KESTRA_MODULE_SOURCE = `"""Kestra's script protocol for tflow: outputs, metrics and logs as ::{...}:: lines on stdout."""
import json
import logging
import sys
import time

__all__ = ["Kestra"]


class Kestra:
    @staticmethod
    def _send(message):
        # One line per message: the runner reads whole lines that start with :: and end with ::.
        sys.stdout.write("::" + json.dumps(message, default=str) + "::\\n")
        sys.stdout.flush()

    @staticmethod
    def _metric(name, metric_type, value, tags=None):
        Kestra._send({"metrics": [{"name": name, "type": metric_type, "value": value, "tags": tags or {}}]})

    @staticmethod
    def outputs(outputs):
        """Task outputs, readable by later tasks as outputs.<task id>.vars.<name>."""
        Kestra._send({"outputs": outputs})

    @staticmethod
    def counter(name, value, tags=None):
        Kestra._metric(name, "counter", value, tags)

    @staticmethod
    def timer(name, duration, tags=None):
        """duration: seconds, or a function to run and time."""
        if callable(duration):
            start = time.perf_counter()
            duration()
            duration = time.perf_counter() - start
        Kestra._metric(name, "timer", duration, tags)

    @staticmethod
    def logger():
        """A logging.Logger whose records become the task's log lines at their level."""
        logger = logging.getLogger("Kestra")
        if not any(isinstance(handler, _ProtocolHandler) for handler in logger.handlers):
            logger.addHandler(_ProtocolHandler())
            logger.setLevel(logging.DEBUG)
            logger.propagate = False
        return logger


class _ProtocolHandler(logging.Handler):
    _LEVELS = {"CRITICAL": "ERROR", "ERROR": "ERROR", "WARNING": "WARN", "INFO": "INFO", "DEBUG": "DEBUG"}

    def emit(self, record):
        try:
            level = self._LEVELS.get(record.levelname, "INFO")
            Kestra._send({"logs": [{"level": level, "message": self.format(record)}]})
        except Exception:
            self.handleError(record)
`;

const VERSION = createHash('sha256').update(KESTRA_MODULE_SOURCE).digest('hex').slice(0, 12);

const written = new Map<string, Promise<string>>();

/** The folder to put on PYTHONPATH, holding `kestra/__init__.py`; written on first use by this worker. */
export function kestraLibraryPath(stateDir: string): Promise<string> {
  let path = written.get(stateDir);
  if (!path) {
    path = writeLibrary(stateDir);
    path.catch(() => written.delete(stateDir));
    written.set(stateDir, path);
  }
  return path;
}

async function writeLibrary(stateDir: string): Promise<string> {
  const root = join(stateDir, 'python', `kestra-library-${VERSION}`);
  const file = join(root, 'kestra', '__init__.py');
  await mkdir(join(root, 'kestra'), { recursive: true });
  // Write then rename: a script starting meanwhile never imports a half-written file.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, KESTRA_MODULE_SOURCE);
  await rename(temporary, file);
  return root;
}
