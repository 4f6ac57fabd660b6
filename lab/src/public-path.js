// Chunks and assets load from the server's static URL for this app (set before anything else loads).
import { PageConfig } from '@jupyterlab/coreutils';
// eslint-disable-next-line no-undef
__webpack_public_path__ = PageConfig.getOption('fullStaticUrl') + '/';
