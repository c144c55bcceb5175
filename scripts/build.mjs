// Bundles the compiled CLI (dist/src, from tsc) into dist/cli: one file per
// command plus shared chunks, with every template precompiled. Start-up is
// then mostly Node's own: a handful of files to load instead of hundreds,
// and no template parsed at run time.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
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
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'dist/src/cli/create.js'), join(root, 'dist/src/cli/mcc.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Bundled CommonJS packages (yaml, commander, handlebars) call require.
  banner: {
    js:
      "import { createRequire as __mccRequire } from 'node:module'; " +
      'const require = __mccRequire(import.meta.url);',
  },
  plugins: [precompiledTemplates, withoutBuiltInActions],
  logLevel: 'warning',
});
