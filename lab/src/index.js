/**
 * The self-hosted JupyterLab 4 frontend: core extensions plus the greenai extension,
 * bundled by webpack and served by jupyter_server + jupyterlab_server (see ../greenai_lab.py).
 */
import './public-path';
import { JupyterLab } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';

const styles = import('../build/style.js');

/** Plugins that need a language server (not served by jupyter_server 1.x). */
const withoutLsp = plugins => plugins.filter(({ id }) => !id.includes(':language-server'));

function pluginsOf(mod) {
  const exported = Object.prototype.hasOwnProperty.call(mod, '__esModule') ? mod.default : mod;
  return Array.isArray(exported) ? exported : [exported];
}

async function main() {
  await styles;
  const extensions = [
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
    import('@jupyterlab/ui-components-extension'),
    // greenai: the notebook summary panel (the renderers are below, with the mime extensions).
    import('@greenai/jupyterlab-greenai/lib/plugin')
  ];
  if (PageConfig.getOption('greenaiTesting') === 'true') {
    // Galata's in-page helpers, only for browser tests (they also pin fonts for screenshots).
    extensions.push(import('@jupyterlab/galata/lib/extension/index.js'));
  }
  const mimeExtensions = [
    import('@jupyterlab/javascript-extension'),
    import('@jupyterlab/json-extension'),
    import('@greenai/jupyterlab-greenai/lib/mime')
  ];

  const lab = new JupyterLab({
    mimeExtensions: (await Promise.all(mimeExtensions)).flatMap(pluginsOf)
  });
  lab.registerPlugins((await Promise.all(extensions)).flatMap(m => (Array.isArray(m) ? m : pluginsOf(m))));
  // Galata (and anyone debugging) waits on window.jupyterapp.started.
  window.jupyterapp = lab;
  await lab.start();
  await lab.restored;
  // eslint-disable-next-line no-console
  console.log('greenai JupyterLab started');
}

window.addEventListener('load', () => {
  main().catch(err => {
    // eslint-disable-next-line no-console
    console.error('greenai JupyterLab failed to start', err);
    document.body.textContent = `JupyterLab failed to start: ${err && err.message ? err.message : err}`;
  });
});
