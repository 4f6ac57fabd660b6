/**
 * webpack builds of the self-hosted JupyterLab frontend:
 *   default:            lab/build, the greenai extension bundled from source (npm start, e2e)
 *   --env federated:    lab/build-federated, a module-federation host that loads prebuilt
 *                       extensions from the server's labextensions path (federated smoke test)
 * Build.ensureAssets (from @jupyterlab/builder) copies schemas and themes of every extension
 * listed in package.json "jupyterlab" and writes style.js; it also returns one small webpack
 * config per theme (extracted CSS under <build>/themes).
 */
const fs = require('fs');
const path = require('path');
const webpack = require('webpack');
const { Build } = require('@jupyterlab/builder');
const pkg = require('./package.json');

/** Shared modules for the federated host: core-meta's resolutions at their installed versions. */
function sharedFromCoreMeta() {
  const core = require('@jupyterlab/core-meta/core.package.json');
  const singletons = new Set(core.jupyterlab.singletonPackages);
  const shared = {};
  for (const name of Object.keys(core.resolutions)) {
    let version;
    try {
      version = JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [__dirname] }), 'utf8')).version;
    } catch {
      continue; // not installed here: not provided
    }
    shared[name] = { requiredVersion: `^${version}`, version, singleton: singletons.has(name) };
  }
  return shared;
}

module.exports = (env = {}, argv = {}) => {
  const production = argv.mode === 'production';
  const federated = Boolean(env.federated);
  const buildDir = path.resolve(__dirname, federated ? 'build-federated' : 'build');
  const themeConfigs = Build.ensureAssets({
    packageNames: [...pkg.jupyterlab.extensions.filter(n => !federated || !n.startsWith('@greenai/')), ...pkg.jupyterlab.mimeExtensions],
    output: buildDir
  });
  const app = {
    mode: production ? 'production' : 'development',
    entry: { bundle: ['whatwg-fetch', federated ? './src/federated.js' : './src/index.js'] },
    output: {
      path: buildDir,
      filename: '[name].js',
      chunkFilename: '[name].[contenthash].js',
      // Replaced at run time by __webpack_public_path__ (src/public-path.js).
      publicPath: 'auto'
    },
    bail: true,
    devtool: production ? false : 'source-map',
    // Never minified: these builds are served by a local server (npm start, browser tests), where
    // 10 MB more of JavaScript costs little, while terser took about 3/4 of the production
    // build's CPU time (162 s user+sys with it, 42 s without; issue 15, a fast first start).
    optimization: { minimize: false },
    performance: { hints: false },
    stats: 'errors-warnings',
    infrastructureLogging: { level: 'error' },
    module: {
      rules: [
        // Extension-less ESM imports (e.g. @jupyter/web-components).
        { test: /\.m?js$/, type: 'javascript/auto' },
        { test: /\.m?js/, resolve: { fullySpecified: false } },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.(md|txt)$/, type: 'asset/source' },
        { test: /\.(jpg|png|gif)$/, type: 'asset/resource' },
        { test: /\.(woff2?|ttf|eot)(\?v=\d+\.\d+\.\d+)?$/, type: 'asset/resource' },
        // SVG: data URLs from CSS, raw strings (icons) from JS.
        { test: /\.svg(\?v=\d+\.\d+\.\d+)?$/, issuer: /\.css$/, type: 'asset/inline' },
        { test: /\.svg(\?v=\d+\.\d+\.\d+)?$/, issuer: /\.[jt]sx?$/, type: 'asset/source' }
      ]
    },
    resolve: {
      fallback: { url: false, buffer: false, crypto: false, path: require.resolve('path-browserify') }
    },
    plugins: [
      new webpack.ProvidePlugin({ process: 'process/browser' }),
      ...(federated
        ? [
            new webpack.container.ModuleFederationPlugin({
              library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION'] },
              name: 'CORE_FEDERATION',
              shared: sharedFromCoreMeta()
            })
          ]
        : [])
    ],
    // Rebuilds (npm start after a change) reuse the previous build's work.
    cache: { type: 'filesystem', cacheDirectory: path.resolve(__dirname, '.cache', `${federated ? 'fed-' : ''}${production ? 'prod' : 'dev'}`) }
  };
  return [app, ...themeConfigs.map(c => ({ ...c, stats: 'errors-warnings' }))];
};
