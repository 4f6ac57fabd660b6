/**
 * Starts the self-hosted JupyterLab 4: the core extensions, plus either the greenai extension
 * bundled from source (index.js) or every prebuilt extension the server lists (federated.js).
 */
import { JupyterLab } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';

/** Plugins that need a language server (not served by jupyter_server 1.x). */
const withoutLsp = plugins => plugins.filter(({ id }) => !id.includes(':language-server'));

export function pluginsOf(mod) {
  const exported = mod && Object.prototype.hasOwnProperty.call(mod, '__esModule') ? mod.default : mod;
  return Array.isArray(exported) ? exported : [exported];
}

function coreExtensions() {
  return [
    import('@jupyterlab/application-extension'),
    import('@jupyterlab/apputils-extension'),
    import('@jupyterlab/celltags-extension'),
    import('@jupyterlab/codemirror-extension'),
    import('@jupyterlab/completer-extension'),
    import('@jupyterlab/console-extension'),
    import('@jupyterlab/csvviewer-extension'),
    import('@jupyterlab/docmanager-extension'),
    import('@jupyterlab/documentsearch-extension'),
    import('@jupyterlab/filebrowser-extension'),
    import('@jupyterlab/fileeditor-extension').then(m => withoutLsp(pluginsOf(m))),
    import('@jupyterlab/help-extension'),
    import('@jupyterlab/imageviewer-extension'),
    import('@jupyterlab/inspector-extension'),
    import('@jupyterlab/launcher-extension'),
    import('@jupyterlab/mainmenu-extension'),
    import('@jupyterlab/markdownviewer-extension'),
    import('@jupyterlab/markedparser-extension'),
    import('@jupyterlab/mathjax-extension'),
    import('@jupyterlab/metadataform-extension'),
    import('@jupyterlab/notebook-extension').then(m => withoutLsp(pluginsOf(m))),
    import('@jupyterlab/rendermime-extension'),
    import('@jupyterlab/running-extension'),
    import('@jupyterlab/settingeditor-extension'),
    import('@jupyterlab/shortcuts-extension'),
    import('@jupyterlab/statusbar-extension'),
    import('@jupyterlab/theme-dark-extension'),
    import('@jupyterlab/theme-light-extension'),
    import('@jupyterlab/toc-extension'),
    import('@jupyterlab/tooltip-extension'),
    import('@jupyterlab/translation-extension'),
    import('@jupyterlab/ui-components-extension')
  ];
}

function coreMimeExtensions() {
  return [import('@jupyterlab/javascript-extension'), import('@jupyterlab/json-extension')];
}

/**
 * @param extra.plugins / extra.mimeExtensions: promises of modules (or plugin arrays) to add.
 */
export async function startLab(extra = { plugins: [], mimeExtensions: [] }) {
  await import('../build/style.js');
  const plugins = [...coreExtensions(), ...extra.plugins];
  if (PageConfig.getOption('greenaiTesting') === 'true') {
    // Galata's in-page helpers, only for browser tests (they also pin fonts for screenshots).
    plugins.push(import('@jupyterlab/galata/lib/extension/index.js'));
  }
  const mime = await Promise.all([...coreMimeExtensions(), ...extra.mimeExtensions]);
  const lab = new JupyterLab({ mimeExtensions: mime.flatMap(m => (Array.isArray(m) ? m : pluginsOf(m))) });
  lab.registerPlugins(
    (await Promise.all(plugins))
      .flatMap(m => (Array.isArray(m) ? m : pluginsOf(m)))
      // No news from the internet (this Lab is often offline), and what the server disabled.
      .filter(({ id }) => !id.endsWith(':announcements') && !PageConfig.Extension.isDisabled(id))
  );
  // Galata (and anyone debugging) waits on window.jupyterapp.started.
  window.jupyterapp = lab;
  await lab.start();
  await lab.restored;
  // eslint-disable-next-line no-console
  console.log('greenai JupyterLab started');
}

export function showStartError(err) {
  // eslint-disable-next-line no-console
  console.error('greenai JupyterLab failed to start', err);
  document.body.textContent = `JupyterLab failed to start: ${err && err.message ? err.message : err}`;
}

/** Runs `fn` once the page has loaded (at once if it already has: federated chunks come late). */
export function onLoad(fn) {
  if (document.readyState === 'complete') fn();
  else window.addEventListener('load', fn);
}
