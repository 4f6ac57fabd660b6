// Chunks and assets load from the server's static URL for this app; set before anything else
// loads. Read straight from the page config (no imports), so it also works before module
// federation has initialised its shared modules.
const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
// eslint-disable-next-line no-undef
__webpack_public_path__ = config.fullStaticUrl + '/';
