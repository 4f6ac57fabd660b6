/**
 * The self-hosted JupyterLab 4 frontend with the greenai extension bundled from source
 * (what `npm start` serves; see ../greenai_lab.py).
 */
import './public-path';
import { onLoad, showStartError, startLab } from './app';

onLoad(() => {
  startLab({
    plugins: [import('@greenai/jupyterlab-greenai/lib/plugin')],
    mimeExtensions: [import('@greenai/jupyterlab-greenai/lib/mime')]
  }).catch(showStartError);
});
