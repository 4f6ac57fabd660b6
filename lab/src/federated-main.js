import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { onLoad, pluginsOf, showStartError, startLab } from './app';

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = url;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.appendChild(s);
  });
}

/** Loads each listed prebuilt extension's remote entry and returns its plugin modules. */
async function federatedExtensions() {
  const listed = JSON.parse(PageConfig.getOption('federated_extensions') || '[]');
  const base = PageConfig.getOption('fullLabextensionsUrl');
  // eslint-disable-next-line no-undef
  await __webpack_init_sharing__('default');
  const plugins = [];
  const mimeExtensions = [];
  const failed = [];
  for (const ext of listed) {
    try {
      await loadScript(URLExt.join(base, ext.name, ext.load));
      const container = window._JUPYTERLAB[ext.name];
      // eslint-disable-next-line no-undef
      await container.init(__webpack_share_scopes__.default);
      const get = async module => (await container.get(module))();
      if (ext.style) await get(ext.style);
      if (ext.extension) plugins.push(pluginsOf(await get(ext.extension)));
      if (ext.mimeExtension) mimeExtensions.push(pluginsOf(await get(ext.mimeExtension)));
    } catch (err) {
      // eslint-disable-next-line no-console
      console.error(`federated extension ${ext.name} failed to load`, err);
      failed.push(ext.name);
    }
  }
  window.greenaiFederated = { loaded: listed.map(e => e.name).filter(n => !failed.includes(n)), failed };
  return { plugins, mimeExtensions };
}

onLoad(() => {
  federatedExtensions()
    .then(startLab)
    .catch(showStartError);
});
