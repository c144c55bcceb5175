// Bundles the compiled CLI (dist/src, from tsc) into dist/cli: one file per
// command line, with every template precompiled, and the small loader that
// runs it. Start-up is then mostly Node's own: three files to load instead of
// hundreds, no template parsed at run time, and, from the second run of a
// command on, little JavaScript compiled (src/cli/start.ts).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const templates = join(root, 'templates');
const { COMPILE_OPTIONS } = await import(join(root, 'dist/src/render.js'));

function templateFiles(folder) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return templateFiles(path);
    return entry.name.endsWith('.hbs') ? [path] : [];
  });
}

function precompiledModule() {
  const entries = templateFiles(templates).map((path) => {
    const name = relative(templates, path).split('\\').join('/');
    const spec = Handlebars.precompile(readFileSync(path, 'utf8'), COMPILE_OPTIONS);
    return `  ${JSON.stringify(name)}: ${spec},\n`;
  });
  return `export const precompiled = {\n${entries.join('')}};\n`;
}

const precompiledTemplates = {
  name: 'precompiled-templates',
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]dist[\\/]src[\\/]precompiled\.js$/ }, () => ({
      contents: precompiledModule(),
      loader: 'js',
    }));
  },
};

// Our generators have one action type, render (src/engine.ts). node-plop's
// built-in file actions, and the glob and binary-file libraries they load,
// would only slow every command's start, so the bundle leaves them out.
const withoutBuiltInActions = {
  name: 'without-built-in-actions',
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\/actions\/index\.js$/ }, (args) =>
      /[\\/]node-plop[\\/]src$/.test(args.resolveDir)
        ? { path: 'node-plop-actions', namespace: 'without-built-in-actions' }
        : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'without-built-in-actions' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
  },
};

const outdir = join(root, 'dist/cli');

/**
 * One CommonJS file, which defines import.meta.url for the modules that use it. The
 * definition goes after "use strict", which holds only as the first statement.
 */
async function commonJs(entry) {
  const { outputFiles } = await build({
    entryPoints: [join(root, 'dist/src', entry)],
    write: false,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta.url': '__mccModuleUrl' },
    plugins: [precompiledTemplates, withoutBuiltInActions],
    logLevel: 'warning',
  });
  const { text } = outputFiles[0];
  // src/cli/start.ts reads the bundles as latin1, which is ASCII as esbuild writes it.
  if (/[^\x00-\x7f]/.test(text)) throw new Error(`${entry}: bundle is not ASCII`);
  const strict = '"use strict";';
  if (!text.startsWith(strict)) throw new Error(`${entry}: bundle is not strict`);
  const url = "const __mccModuleUrl = require('node:url').pathToFileURL(__filename).href;";
  return `${strict}\n${url}\n${text.slice(strict.length)}`;
}

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
// The loader, and each command line in one file, which it runs with a code cache
// (src/cli/start.ts).
for (const name of ['start', 'create', 'mcc']) {
  writeFileSync(join(outdir, `${name}.cjs`), await commonJs(`cli/${name}.js`));
}
