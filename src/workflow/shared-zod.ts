/**
 * Loaded once per worker, before any execution, as one of the workflow bundle's preloaded modules
 * (src/worker/workflow-bundle.ts): zod's modules are then shared by every execution instead of
 * being evaluated again for each (docs/performance.md, "Bursts").
 *
 * The SDK freezes what preloaded modules export once they are loaded, but zod settles some of its
 * own global state on first use: the default locale and memoizer (set in `globalConfig` when the
 * first schema is built) and whether `new Function` is allowed (cached in `util.allowsEval` on the
 * first object schema). Frozen unset, the first execution's first schema would fail (`object is not
 * extensible`), so building and parsing one object schema here settles them all while still writable.
 * Schemas themselves stay per execution: each execution builds its own (see task-definition.ts).
 */
import { z } from 'zod';

z.strictObject({ settled: z.string().min(1) }).parse({ settled: 'zod' });
