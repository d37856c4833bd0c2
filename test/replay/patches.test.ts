import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import * as patches from '../../src/workflow/patches';
import { WORKFLOW_PATCHES } from '../../src/workflow/patches';
import { HISTORIES } from '../helpers/histories';
import { PROJECT_ROOT } from '../helpers/paths';

// The register of workflow patches (src/workflow/patches.ts) against the code that asks patched()
// and against the recorded histories. test/replay/replay.test.ts replays every history file.
describe('the register of workflow patches', () => {
  const registered = new Map(WORKFLOW_PATCHES.map((patch) => [patch.id, patch]));
  /** The register's exported id constants, by name: the only arguments a patched() call may take. */
  const constants = new Map(
    Object.entries(patches as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0].endsWith('_PATCH'),
    ),
  );

  it('defines each id once, and every id constant has its entry', () => {
    assert.equal(registered.size, WORKFLOW_PATCHES.length, 'an id is registered twice');
    assert.deepEqual([...constants.values()].sort(), [...registered.keys()].sort());
  });

  it('names histories that exist, and says why where a side has none', () => {
    for (const patch of WORKFLOW_PATCHES) {
      for (const file of [...patch.oldPath, ...patch.newPath]) assert.ok(existsSync(join(HISTORIES, file)), `${patch.id}: no test/histories/${file}`);
      if (patch.oldPath.length === 0 || patch.newPath.length === 0) assert.ok(patch.notRecorded, `${patch.id}: a side without history and no reason`);
    }
  });

  it('matches the markers recorded in the histories: new-path histories carry the patch, old-path ones do not', () => {
    for (const patch of WORKFLOW_PATCHES) {
      for (const file of patch.newPath) assert.ok(patchMarkers(file).has(patch.id), `${file} has no marker of ${patch.id}`);
      for (const file of patch.oldPath) assert.ok(!patchMarkers(file).has(patch.id), `${file} has a marker of ${patch.id}: it replays the new path`);
    }
  });

  it('holds every marker found in a recorded history', () => {
    const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));
    const unknown = files.flatMap((file) => [...patchMarkers(file)].filter((id) => !registered.has(id)).map((id) => `${file}: ${id}`));
    assert.deepEqual(unknown, []);
  });

  it('is where every patched() call in src/ takes its id from', () => {
    const calls = sourceFiles(join(PROJECT_ROOT, 'src')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bpatched(?:\?\.)?\(([^)]*)\)/g)].map((match) => ({
        file: relative(PROJECT_ROOT, file),
        argument: match[1].trim(),
      })),
    );
    const wrong = calls.filter(({ argument }) => !isDeclarationOrForward(argument) && !constants.has(argument));
    assert.deepEqual(wrong, [], 'patched() must take an id constant from src/workflow/patches.ts');
    // Every registered id is still asked somewhere (a stale entry is a patch already removed).
    const asked = new Set(calls.map((call) => call.argument));
    assert.deepEqual(
      [...constants.keys()].filter((name) => !asked.has(name)),
      [],
    );
    // No id is defined outside the register.
    const elsewhere = sourceFiles(join(PROJECT_ROOT, 'src')).filter(
      (file) => !file.endsWith(join('workflow', 'patches.ts')) && /_PATCH = '/.test(readFileSync(file, 'utf8')),
    );
    assert.deepEqual(elsewhere, []);
  });
});

/** `patched(id: string)` in an interface, and the port that forwards the id it is given. */
function isDeclarationOrForward(argument: string): boolean {
  return argument === 'id: string' || argument === 'id' || argument === '';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The patch ids a history recorded (Temporal's `core_patch` markers; the id is a JSON string in the marker's details). */
function patchMarkers(file: string): Set<string> {
  const history = JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')) as { events: { markerRecordedEventAttributes?: MarkerAttributes }[] };
  const ids = new Set<string>();
  for (const { markerRecordedEventAttributes: marker } of history.events) {
    if (marker?.markerName !== 'core_patch') continue;
    for (const payload of marker.details?.['patch-data']?.payloads ?? []) {
      const data = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as { id?: string };
      if (data.id) ids.add(data.id);
    }
  }
  return ids;
}

interface MarkerAttributes {
  markerName?: string;
  details?: Record<string, { payloads?: { data: string }[] }>;
}
