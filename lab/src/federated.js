/**
 * A module-federation host: core JupyterLab shared as singletons, and every prebuilt
 * extension the server lists in page_config.federated_extensions loaded from its
 * labextensions folder, as a pip-installed JupyterLab 4 does. Used by the federated
 * smoke test, which proves the prebuilt greenai extension works when installed by copy.
 */
import './public-path';

// An async boundary, so shared modules are negotiated before any of them is used.
import('./federated-main');
