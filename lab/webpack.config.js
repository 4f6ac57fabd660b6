/**
 * webpack build of the self-hosted JupyterLab frontend into lab/build.
 * Build.ensureAssets (from @jupyterlab/builder) copies schemas and themes of every
 * extension listed in package.json "jupyterlab" and writes build/style.js.
 */
const path = require('path');
const webpack = require('webpack');
const { Build } = require('@jupyterlab/builder');
const pkg = require('./package.json');

const buildDir = path.resolve(__dirname, 'build');
// Also returns one small webpack config per theme (extracted CSS under build/themes).
const themeConfigs = Build.ensureAssets({
  packageNames: [...pkg.jupyterlab.extensions, ...pkg.jupyterlab.mimeExtensions],
  output: buildDir
});

module.exports = (env, argv) => {
  const production = argv.mode === 'production';
  const app = {
    mode: production ? 'production' : 'development',
    entry: { bundle: ['whatwg-fetch', './src/index.js'] },
    output: {
      path: buildDir,
      filename: '[name].js',
      chunkFilename: '[name].[contenthash].js',
      // Replaced at run time by __webpack_public_path__ (src/public-path.js).
      publicPath: 'auto'
    },
    bail: true,
    devtool: production ? false : 'source-map',
    performance: { hints: false },
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
    plugins: [new webpack.ProvidePlugin({ process: 'process/browser' })],
    // Rebuilds (npm start after a change) reuse the previous build's work.
    cache: { type: 'filesystem', cacheDirectory: path.resolve(__dirname, '.cache', production ? 'prod' : 'dev') }
  };
  return [app, ...themeConfigs];
};
