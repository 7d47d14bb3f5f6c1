import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion, type Plugin } from 'esbuild';
import { FUNCTIONS, type FunctionKey } from '../system/manifest.js';

/**
 * Bundles every function of functions/catalog.ts into `dist/functions/<function name>/`: one ESM file
 * plus, for functions that run ONNX models, onnxruntime-node with only the native binaries of the
 * target architecture. CDK deploys these exact directories (arm64) and the local cloud runs them
 * (host architecture), so what is tested locally is what ships.
 */
export type Arch = 'x64' | 'arm64';

export interface BundleOptions {
  /** Default: dist/functions under the repository root. */
  outDir?: string;
  arch: Arch;
  only?: FunctionKey[];
  /** Rebuild even when the inputs are unchanged. */
  force?: boolean;
  log?: (line: string) => void;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'dist', 'functions');
/**
 * Lambda's limit is 250 MB unzipped; ours is tighter so the recommend cold start stays short. It
 * applies to what ships (arm64, ~31 MB); onnxruntime's x64 library alone is 46 MB, so a host-arch
 * build for the local cloud only reports its size.
 */
export const MAX_RECOMMEND_BYTES = 50 * 1024 * 1024;
const DEPLOYED_ARCH: Arch = 'arm64';

/** Files copied next to a bundle because the handler reads them at run time, relative to the entry. */
const ASSETS: Partial<Record<FunctionKey, string[]>> = {
  recommend: ['json_template.json'],
};

// CJS dependencies bundled into ESM still call require() and read __dirname; give them the real ones.
const BANNER = [
  "import { createRequire as __hmCreateRequire } from 'node:module';",
  "import { fileURLToPath as __hmFileURLToPath } from 'node:url';",
  'const require = __hmCreateRequire(import.meta.url);',
  'const __filename = __hmFileURLToPath(import.meta.url);',
  "const __dirname = __hmFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * Node builtins and the CommonJS externals (onnxruntime-node) imported by ESM code (`import … from
 * 'node:http'`, `await import('node:http')`) are loaded through require() instead:
 * - an ESM import of a builtin makes Node build a module facade that reads every export, and
 *   `node:http`'s lazy WebSocket/MessageEvent getters then load undici: ~20 ms of a cold start for
 *   nothing (the S3 client's dist-es imports node:http for http endpoints);
 * - an ESM import of a CommonJS package runs cjs-module-lexer over it and every file it re-exports
 *   (onnxruntime-node → onnxruntime-common): ~10 ms.
 * Static imports become a CommonJS module (esbuild reads named imports off it at use); a dynamic
 * import of a builtin gets an ES module with it as default and its plain (non-getter) exports by name.
 */
function viaRequire(externals: readonly string[]): Plugin {
  const cjsExternals = new Set(externals);
  return {
    name: 'via-require',
    setup(b) {
      const require = createRequire(import.meta.url);
      b.onResolve({ filter: /^(node:)?[a-z0-9_/-]+$/ }, (args) => {
        if (cjsExternals.has(args.path) && args.kind === 'import-statement') {
          return { path: args.path, namespace: 'via-require' };
        }
        if (!BUILTINS.has(args.path)) return undefined;
        if (args.kind === 'import-statement') return { path: args.path, namespace: 'via-require' };
        if (args.kind === 'dynamic-import') return { path: args.path, namespace: 'via-require-esm' };
        return undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'via-require' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      b.onLoad({ filter: /.*/, namespace: 'via-require-esm' }, (args) => {
        const plain = Object.entries(Object.getOwnPropertyDescriptors(require(args.path)))
          .filter(([name, d]) => 'value' in d && /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default')
          .map(([name]) => name);
        const lines = [
          `const m = require(${JSON.stringify(args.path)});`,
          'export default m;',
          ...plain.map((name) => `export const ${name} = m.${name};`),
        ];
        return { contents: lines.join('\n'), loader: 'js' };
      });
    },
  };
}

/** Kept beside the bundle, not in it: it lists build-machine paths and must not be deployed. */
const inputsFile = (dir: string) => `${dir}.inputs.json`;

export function bundleDir(key: FunctionKey, outDir: string = DEFAULT_OUT_DIR): string {
  return path.join(outDir, FUNCTIONS[key].name);
}

/** Node's architecture name for the host, which is what the local cloud runs. */
export function hostArch(): Arch {
  if (process.arch === 'x64' || process.arch === 'arm64') return process.arch;
  throw new Error(`unsupported host architecture ${process.arch}`);
}

export async function bundleFunctions(opts: BundleOptions): Promise<Record<string, string>> {
  const outDir = path.resolve(opts.outDir ?? DEFAULT_OUT_DIR);
  const log = opts.log ?? (() => {});
  const keys = opts.only ?? (Object.keys(FUNCTIONS) as FunctionKey[]);
  const result: Record<string, string> = {};
  for (const key of keys) {
    const spec = FUNCTIONS[key];
    const entry = path.join(REPO_ROOT, spec.entry);
    if (!existsSync(entry)) {
      log(`bundle: skip ${spec.name} (${spec.entry} does not exist yet)`);
      continue;
    }
    const dir = bundleDir(key, outDir);
    const built = await bundleEntry({
      entry,
      dir,
      arch: opts.arch,
      onnxruntime: spec.onnxruntime,
      assets: (ASSETS[key] ?? []).map((a) => path.join(path.dirname(entry), a)),
      force: opts.force ?? false,
    });
    const bytes = await dirSize(dir);
    log(`bundle: ${spec.name} ${built ? 'built' : 'unchanged'} ${formatMb(bytes)} unzipped (${opts.arch})`);
    if (key === 'recommend' && opts.arch !== DEPLOYED_ARCH && bytes > MAX_RECOMMEND_BYTES) {
      log(
        `bundle: note ${spec.name} is over ${formatMb(MAX_RECOMMEND_BYTES)} for ${opts.arch}; the limit applies to ${DEPLOYED_ARCH}`,
      );
    }
    if (key === 'recommend' && opts.arch === DEPLOYED_ARCH && bytes > MAX_RECOMMEND_BYTES) {
      throw new Error(
        `${spec.name} bundle is ${formatMb(bytes)}, over the ${formatMb(MAX_RECOMMEND_BYTES)} limit`,
      );
    }
    result[spec.name] = dir;
  }
  return result;
}

interface InputsRecord {
  key: string;
  files: Record<string, string>;
}

export interface BundleEntryOptions {
  /** Absolute path of a TypeScript/JavaScript file exporting `handler`. */
  entry: string;
  /** Output directory; replaced as a whole. */
  dir: string;
  arch: Arch;
  /** Ship onnxruntime-node (external) with the binaries of `arch`. */
  onnxruntime: boolean;
  /** Absolute paths of files copied next to index.mjs. */
  assets?: string[];
  force?: boolean;
}

/**
 * Bundles one entry into `dir`. Returns false when the previous build had exactly the same inputs
 * (entry and everything it imports, assets, esbuild and onnxruntime versions) and was kept.
 */
export async function bundleEntry(opts: BundleEntryOptions): Promise<boolean> {
  const { entry, dir, arch } = opts;
  const assets = opts.assets ?? [];
  const buildKey = JSON.stringify({
    arch,
    esbuildVersion,
    onnx: opts.onnxruntime ? packageVersion('onnxruntime-node') : null,
    banner: BANNER,
    format: 5,
  });
  if (!opts.force && (await inputsUnchanged(dir, buildKey))) return false;

  // Build beside the target and swap it in, so a reader (or a snapshot by hardlink) never sees a
  // half-written bundle and an interrupted build leaves the previous one intact.
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const res = await build({
    entryPoints: [entry],
    outdir: tmp,
    entryNames: 'index',
    outExtension: { '.js': '.mjs' },
    // Code reached only through import() (the recommend fallback's trainer, the SDK's SSO/STS/ini
    // credential providers, …) goes into chunks loaded when first needed, so a cold start neither
    // parses nor evaluates it. With the ESM builds below: ~70 ms less import for the recommend
    // function on the project machine (docs/benchmarks.md); warm latency measured unchanged.
    // Chunks sit beside index.mjs so `new URL('./asset', import.meta.url)` resolves the same.
    splitting: true,
    chunkNames: '[name]-[hash]',
    // The ESM builds (dist-es) of @aws-sdk/@smithy tree-shake and split far better than their CJS
    // mains: ~130 kB less in the recommend bundle. Node's own resolution would pick "main".
    mainFields: ['module', 'main'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // Mappings only: stack traces resolve to source lines without shipping the sources (−3 MB).
    sourcemap: true,
    sourcesContent: false,
    minify: true,
    keepNames: true,
    legalComments: 'none',
    banner: { js: BANNER },
    external: opts.onnxruntime ? ['onnxruntime-node'] : [],
    plugins: [viaRequire(opts.onnxruntime ? ['onnxruntime-node'] : [])],
    metafile: true,
    logLevel: 'silent',
  });
  for (const asset of assets) await cp(asset, path.join(tmp, path.basename(asset)));
  if (opts.onnxruntime) await copyOnnxRuntime(path.join(tmp, 'node_modules'), arch);

  const files = Object.keys(res.metafile.inputs).filter((p) => !p.startsWith('via-require'));
  const inputs = [...files.map((p) => path.resolve(REPO_ROOT, p)), ...assets];
  const record: InputsRecord = { key: buildKey, files: await hashFiles(inputs) };
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  await writeFile(inputsFile(dir), JSON.stringify(record));
  return true;
}

async function inputsUnchanged(dir: string, buildKey: string): Promise<boolean> {
  let record: InputsRecord;
  try {
    if (!existsSync(path.join(dir, 'index.mjs'))) return false;
    record = JSON.parse(await readFile(inputsFile(dir), 'utf8')) as InputsRecord;
  } catch {
    return false;
  }
  if (record.key !== buildKey) return false;
  try {
    const now = await hashFiles(Object.keys(record.files));
    return Object.entries(record.files).every(([f, h]) => now[f] === h);
  } catch {
    return false; // an input was deleted
  }
}

async function hashFiles(files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files)
    out[f] = createHash('sha256')
      .update(await readFile(f))
      .digest('hex');
  return out;
}

/**
 * onnxruntime-node at run time needs only its dist/*.js, the napi binaries of one platform and
 * onnxruntime-common's CJS build (dist/binding.js requires it); adm-zip and global-agent serve its
 * install script. Other platforms' binaries would add ~250 MB.
 */
async function copyOnnxRuntime(nodeModules: string, arch: Arch): Promise<void> {
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  const ortRoot = path.dirname(require.resolve('onnxruntime-node/package.json'));
  // onnxruntime-common's "exports" hides package.json: resolve its CJS main and walk up to the root.
  const commonMain = createRequire(path.join(ortRoot, 'package.json')).resolve('onnxruntime-common');
  const commonRoot = commonMain.slice(0, commonMain.lastIndexOf(`${path.sep}dist${path.sep}`));
  const ortOut = path.join(nodeModules, 'onnxruntime-node');
  await mkdir(path.join(ortOut, 'dist'), { recursive: true });
  await cp(path.join(ortRoot, 'package.json'), path.join(ortOut, 'package.json'));
  await cp(path.join(ortRoot, 'LICENSE'), path.join(ortOut, 'LICENSE')).catch(() => {});
  for (const f of await readdir(path.join(ortRoot, 'dist'))) {
    if (f.endsWith('.js')) await cp(path.join(ortRoot, 'dist', f), path.join(ortOut, 'dist', f));
  }
  const bin = path.join('bin', 'napi-v6', 'linux', arch);
  await cp(path.join(ortRoot, bin), path.join(ortOut, bin), { recursive: true });

  const commonOut = path.join(nodeModules, 'onnxruntime-common');
  await cp(path.join(commonRoot, 'package.json'), path.join(commonOut, 'package.json'));
  await cp(path.join(commonRoot, 'dist', 'cjs'), path.join(commonOut, 'dist', 'cjs'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts'),
  });
}

function packageVersion(name: string): string {
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  return (require(`${name}/package.json`) as { version: string }).version;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

function formatMb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function main(): Promise<void> {
  const { Command } = await import('commander');
  const program = new Command('bundle')
    .description('bundle the Lambda functions into dist/functions/<name>/')
    .option('--arch <arch>', 'x64 or arm64 (CDK deploys arm64)', hostArch())
    .option('--out-dir <dir>', 'output directory', DEFAULT_OUT_DIR)
    .option('--only <keys...>', `subset of: ${Object.keys(FUNCTIONS).join(', ')}`)
    .option('--force', 'rebuild even when inputs are unchanged', false)
    .parse();
  const raw = program.opts<{ arch: string; outDir: string; only?: string[]; force: boolean }>();
  if (raw.arch !== 'x64' && raw.arch !== 'arm64')
    throw new Error(`--arch must be x64 or arm64, got ${raw.arch}`);
  for (const k of raw.only ?? []) if (!(k in FUNCTIONS)) throw new Error(`unknown function key ${k}`);
  const dirs = await bundleFunctions({
    arch: raw.arch,
    outDir: raw.outDir,
    only: raw.only as FunctionKey[] | undefined,
    force: raw.force,
    log: (l) => console.log(l),
  });
  for (const [name, dir] of Object.entries(dirs)) console.log(`${name}\t${dir}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`bundle: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
