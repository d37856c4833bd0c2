/**
 * Synthetic NYC taxi data, shaped like the course's files (README "The course's taxi flow, without internet or Docker"), and a
 * local server laid out like the course's release URLs, so the course's flows run here unmodified.
 *
 * - generateTaxiFile(): green or yellow CSV(.gz) for any month and row count: the real headers and
 *   column order, `YYYY-MM-DD HH:MM:SS` timestamps, distances like `.73`, money in shortest form,
 *   empty fields (trailing commas), rows with an empty VendorID block, out-of-month pickups at the
 *   start, negative fares, green `ehail_fee` always empty, and a few exact duplicate rows. Streamed
 *   to disk: a 7-million-row file never sits in memory.
 * - startTaxiDataServer(): serves `<dir>/<taxi>/<file>.csv.gz` at
 *   `/DataTalksClub/nyc-tlc-data/releases/download/<taxi>/<file>.csv.gz`, redirecting (302) to
 *   `/objects/…` as GitHub redirects to objects.githubusercontent.com.
 * - writeWgetShim(): a `wget` that rewrites `https://github.com/DataTalksClub/nyc-tlc-data/…` to the
 *   local server and runs the real wget. Put its folder first on the worker's PATH: the course's
 *   hard-coded `wget -qO- https://github.com/… | gunzip` then reads the local files.
 *
 * CLI (after `npm run build`):
 *   node dist/src/demo/taxi-data.js generate --taxi green --year 2019 --month 01 --rows 10000 --dir /tmp/taxi
 *   node dist/src/demo/taxi-data.js serve --dir /tmp/taxi [--port 8099] [--shim-dir /tmp/taxi-bin]
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export type Taxi = 'yellow' | 'green';

export const TAXI_COLUMNS: Record<Taxi, string[]> = {
  yellow: [
    'VendorID',
    'tpep_pickup_datetime',
    'tpep_dropoff_datetime',
    'passenger_count',
    'trip_distance',
    'RatecodeID',
    'store_and_fwd_flag',
    'PULocationID',
    'DOLocationID',
    'payment_type',
    'fare_amount',
    'extra',
    'mta_tax',
    'tip_amount',
    'tolls_amount',
    'improvement_surcharge',
    'total_amount',
    'congestion_surcharge',
  ],
  green: [
    'VendorID',
    'lpep_pickup_datetime',
    'lpep_dropoff_datetime',
    'store_and_fwd_flag',
    'RatecodeID',
    'PULocationID',
    'DOLocationID',
    'passenger_count',
    'trip_distance',
    'fare_amount',
    'extra',
    'mta_tax',
    'tip_amount',
    'tolls_amount',
    'ehail_fee',
    'improvement_surcharge',
    'total_amount',
    'payment_type',
    'trip_type',
    'congestion_surcharge',
  ],
};

export const RELEASE_PATH = '/DataTalksClub/nyc-tlc-data/releases/download';
export const GITHUB_RELEASES = `https://github.com${RELEASE_PATH}`;

export interface TaxiFileOptions {
  taxi: Taxi;
  year: number;
  /** 1–12. */
  month: number;
  /** Data rows (header excluded), duplicates included. */
  rows: number;
  /** Folder; the file goes to `<dir>/<taxi>/<taxi>_tripdata_<YYYY-MM>.csv[.gz]`. */
  dir: string;
  gzip?: boolean;
  seed?: number;
  /** Share of rows with the empty VendorID block (default: yellow 7%, green 26%). */
  emptyVendorShare?: number;
  /** Share of rows that repeat an earlier row exactly (default 0.1%). */
  duplicateShare?: number;
  /** Also compute the course's md5 `unique_row_id` of every row (keeps them in memory). */
  collectIds?: boolean;
}

export interface TaxiFile {
  path: string;
  /** `green_tripdata_2019-01.csv`, the name the flow's `outputFiles` key uses. */
  csvName: string;
  rows: number;
  duplicates: number;
  bytes: number;
  /** With collectIds: the distinct ids (md5 as the course's UPDATE computes them). */
  uniqueIds?: Set<string>;
}

export function taxiFileName(taxi: Taxi, year: number, month: number): string {
  return `${taxi}_tripdata_${year}-${String(month).padStart(2, '0')}.csv`;
}

export async function generateTaxiFile(options: TaxiFileOptions): Promise<TaxiFile> {
  const { taxi, year, month, rows } = options;
  const gzip = options.gzip ?? true;
  const csvName = taxiFileName(taxi, year, month);
  const folder = join(options.dir, taxi);
  await mkdir(folder, { recursive: true });
  const path = join(folder, gzip ? `${csvName}.gz` : csvName);
  const random = mulberry32(options.seed ?? year * 100 + month + (taxi === 'green' ? 7 : 0));
  const emptyVendorShare = options.emptyVendorShare ?? (taxi === 'yellow' ? 0.07 : 0.26);
  const duplicateShare = options.duplicateShare ?? 0.001;
  const uniqueIds = options.collectIds ? new Set<string>() : undefined;
  let duplicates = 0;

  const recent: string[][] = [];
  function* lines(): Generator<string> {
    yield `${TAXI_COLUMNS[taxi].join(',')}\n`;
    let batch = '';
    for (let index = 0; index < rows; index++) {
      let fields: string[];
      if (recent.length > 0 && random() < duplicateShare) {
        fields = recent[Math.floor(random() * recent.length)];
        duplicates++;
      } else {
        fields = makeRow(taxi, year, month, index, random, emptyVendorShare);
        if (recent.length < 1000) recent.push(fields);
        else recent[Math.floor(random() * recent.length)] = fields;
      }
      if (uniqueIds) uniqueIds.add(courseRowId(taxi, fields));
      batch += `${fields.join(',')}\n`;
      if (batch.length > 64 * 1024) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  const source = Readable.from(lines());
  if (gzip) await pipeline(source, createGzip({ level: 6 }), createWriteStream(path));
  else await pipeline(source, createWriteStream(path));
  return { path, csvName, rows, duplicates, bytes: (await stat(path)).size, ...(uniqueIds ? { uniqueIds } : {}) };
}

function makeRow(taxi: Taxi, year: number, month: number, index: number, random: () => number, emptyVendorShare: number): string[] {
  const monthStart = Date.UTC(year, month - 1, 1);
  const monthEnd = Date.UTC(year, month, 1);
  // The real files start with a few pickups from the previous months.
  const pickupMs =
    index < 3
      ? monthStart - (1 + Math.floor(random() * 20 * 86400)) * 1000
      : monthStart + Math.floor(random() * ((monthEnd - monthStart) / 1000)) * 1000;
  const dropoffMs = random() < 0.003 ? pickupMs : pickupMs + (60 + Math.floor(random() * 3600)) * 1000;
  const emptyVendor = random() < emptyVendorShare;
  const vendor = emptyVendor ? '' : random() < 0.4 ? '1' : '2';
  const passengers = emptyVendor ? '' : String(random() < 0.02 ? 0 : 1 + Math.floor(random() * random() * 6));
  const distance = random() < 0.01 ? 0 : Math.round(random() * random() * 2000) / 100;
  const rateCode = emptyVendor ? '' : random() < 0.95 ? '1' : String(2 + Math.floor(random() * 4));
  const flag = emptyVendor ? '' : random() < 0.01 ? 'Y' : 'N';
  const pu = String(1 + Math.floor(random() * 265));
  const dof = String(1 + Math.floor(random() * 265));
  const payment = emptyVendor ? '' : String(1 + Math.floor(random() * random() * 4));
  let fareCents = 250 + Math.round(distance * 250) + Math.floor(random() * 4) * 50;
  if (random() < 0.005) fareCents = -fareCents;
  const extraCents = [0, 50, 100, 250][Math.floor(random() * 4)];
  const mtaCents = fareCents < 0 ? -50 : 50;
  const tipCents = payment === '1' ? Math.floor(random() * fareCents * 0.3) : 0;
  const tollsCents = random() < 0.05 ? 576 : 0;
  const improvementCents = fareCents < 0 ? -30 : 30;
  const congestionEmpty = (year === 2019 && month === 1 && random() < 0.63) || (taxi === 'green' && emptyVendor);
  const congestionCents = congestionEmpty ? 0 : random() < 0.8 ? 250 : 0;
  const totalCents = fareCents + extraCents + mtaCents + tipCents + tollsCents + improvementCents + congestionCents;
  const common = {
    vendor,
    pickup: timestamp(pickupMs),
    dropoff: timestamp(dropoffMs),
    distance: distanceText(distance),
    fare: money(fareCents),
    extra: money(extraCents),
    mta: money(mtaCents),
    tip: money(tipCents),
    tolls: money(tollsCents),
    improvement: money(improvementCents),
    total: money(totalCents),
    congestion: congestionEmpty ? '' : money(congestionCents),
  };
  if (taxi === 'yellow') {
    return [
      common.vendor,
      common.pickup,
      common.dropoff,
      passengers,
      common.distance,
      rateCode,
      flag,
      pu,
      dof,
      payment,
      common.fare,
      common.extra,
      common.mta,
      common.tip,
      common.tolls,
      common.improvement,
      common.total,
      common.congestion,
    ];
  }
  const tripType = emptyVendor ? '' : random() < 0.97 ? '1' : '2';
  return [
    common.vendor,
    common.pickup,
    common.dropoff,
    flag,
    rateCode,
    pu,
    dof,
    passengers,
    common.distance,
    common.fare,
    common.extra,
    common.mta,
    common.tip,
    common.tolls,
    '',
    common.improvement,
    common.total,
    payment,
    tripType,
    common.congestion,
  ];
}

/**
 * The course's `unique_row_id`: md5 of VendorID, pickup, dropoff, PULocationID, DOLocationID,
 * fare_amount and trip_distance as Postgres prints them (float8 in shortest form: `.73` → `0.73`).
 * flows/taxi_improved.yaml computes the same key.
 */
export function courseRowId(taxi: Taxi, fields: string[]): string {
  const at = (name: string) => fields[TAXI_COLUMNS[taxi].indexOf(name)];
  const prefix = taxi === 'yellow' ? 'tpep' : 'lpep';
  const float = (text: string) => (text === '' ? '' : String(Number(text)));
  const key =
    at('VendorID') +
    at(`${prefix}_pickup_datetime`) +
    at(`${prefix}_dropoff_datetime`) +
    at('PULocationID') +
    at('DOLocationID') +
    float(at('fare_amount')) +
    float(at('trip_distance'));
  return createHash('md5').update(key, 'utf8').digest('hex');
}

function timestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Two decimals, leading zero dropped below 1: `.00`, `.73`, `1.50`. */
function distanceText(miles: number): string {
  const text = miles.toFixed(2);
  return text.startsWith('0.') ? text.slice(1) : text;
}

/** Shortest form: `7`, `0.5`, `1.65`, `-3.5`. */
function money(cents: number): string {
  return String(cents / 100);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TaxiDataServer {
  server: Server;
  /** `http://127.0.0.1:<port>`: GitHub's `https://github.com` on this machine. */
  baseUrl: string;
  /** Paths requested so far (for tests). */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `<dir>/<taxi>/<file>` like GitHub serves the course's release assets. */
export async function startTaxiDataServer(dir: string, port = 0): Promise<TaxiDataServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://local').pathname);
    requests.push(path);
    const release = new RegExp(`^${RELEASE_PATH}/(green|yellow|fhv)/([A-Za-z0-9_.-]+)$`).exec(path);
    if (release) {
      response.writeHead(302, { location: `/objects/${release[1]}/${release[2]}` });
      response.end();
      return;
    }
    const object = /^\/objects\/(green|yellow|fhv)\/([A-Za-z0-9_.-]+)$/.exec(path);
    const file = object ? join(dir, object[1], object[2]) : undefined;
    if (!file || !existsSync(file)) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('Not Found');
      return;
    }
    void stat(file).then((info) => {
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': info.size,
        'content-disposition': `attachment; filename=${object![2]}`,
      });
      if (request.method === 'HEAD') return response.end();
      createReadStream(file).pipe(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    server,
    baseUrl: `http://127.0.0.1:${actual}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Writes `<shimDir>/wget`: rewrites the course's GitHub release URLs to `baseUrl` and runs the real
 * wget with every other argument unchanged. Put `shimDir` first on the worker's PATH.
 */
export async function writeWgetShim(shimDir: string, baseUrl: string, realWget = findOnPath('wget')): Promise<string> {
  if (!realWget) throw new Error('wget is not installed: the course flow downloads with wget');
  await mkdir(shimDir, { recursive: true });
  const path = join(shimDir, 'wget');
  await writeFile(
    path,
    `#!/bin/sh
# tflow taxi-data shim: the course's GitHub release downloads come from ${baseUrl} (src/demo/taxi-data.ts).
for arg do
  shift
  case $arg in
    https://github.com/DataTalksClub/nyc-tlc-data/*) arg="${baseUrl}\${arg#https://github.com}" ;;
  esac
  set -- "$@" "$arg"
done
exec ${realWget} "$@"
`,
  );
  await chmod(path, 0o755);
  return path;
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const args: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, '')] = rest[i + 1];
  const dir = args.dir ?? join(process.cwd(), '.tflow', 'taxi-data');
  if (command === 'generate') {
    const file = await generateTaxiFile({
      taxi: (args.taxi ?? 'green') as Taxi,
      year: Number(args.year ?? 2019),
      month: Number(args.month ?? 1),
      rows: Number(args.rows ?? 10_000),
      dir,
    });
    console.log(`${file.path}: ${file.rows} rows (${file.duplicates} duplicates), ${file.bytes} bytes`);
  } else if (command === 'serve') {
    const server = await startTaxiDataServer(dir, Number(args.port ?? 0));
    console.log(`serving ${dir} at ${server.baseUrl}${RELEASE_PATH}/<taxi>/<file>.csv.gz`);
    if (args['shim-dir']) {
      await writeWgetShim(args['shim-dir'], server.baseUrl);
      console.log(`wget shim in ${args['shim-dir']}: start the worker with PATH=${args['shim-dir']}:$PATH`);
    }
  } else {
    console.error(
      'usage: taxi-data.js generate --taxi green|yellow --year 2019 --month 1 --rows N [--dir D] | serve [--dir D] [--port P] [--shim-dir S]',
    );
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv.slice(2));
