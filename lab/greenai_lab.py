"""Serve the self-hosted JupyterLab 4 frontend (lab/build) with jupyter_server + jupyterlab_server.

Run with Debian's Python, which has jupyter_server 1.23 and jupyterlab_server 2.16:

    /usr/bin/python3 lab/greenai_lab.py --ServerApp.ip=127.0.0.1 --ServerApp.port=8888 \
        --ServerApp.root_dir=notebooks

The frontend speaks only REST and WebSocket, so it works on jupyter_server 1.x, which the
Python `jupyterlab` 4 package does not. Kernels come from JUPYTER_PATH (`greenai install --prefix`).
Set GREENAI_LAB_TESTING=1 to load Galata's in-page helpers (browser tests only).
SIGINT and SIGTERM both stop it cleanly: every kernel is shut down before the server exits; so does
the death of its parent when GREENAI_LAB_WATCH_PARENT=1 (npm start sets it).
"""
import json
import os
import signal
import sys

from jupyterlab_server import LabServerApp
from tornado.ioloop import PeriodicCallback
from traitlets import Bool, Unicode, default

HERE = os.path.dirname(os.path.abspath(__file__))
# The federated smoke test serves lab/build-federated instead (GREENAI_LAB_BUILD).
BUILD = os.path.abspath(os.environ.get("GREENAI_LAB_BUILD") or os.path.join(HERE, "build"))

# Configuration files on disk (~/.jupyter) must not change this app.
os.environ.setdefault("JUPYTER_NO_CONFIG", "1")

with open(os.path.join(HERE, "package.json")) as f:
    _VERSION = json.load(f)["version"]


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": GreenaiLabApp}]


class GreenaiLabApp(LabServerApp):
    """JupyterLab 4 (npm build) with the greenai extension, as a jupyter_server extension app."""

    name = "greenai_lab"
    extension_url = "/lab"
    default_url = Unicode("/lab")
    load_other_extensions = False
    app_name = "JupyterLab (greenai)"
    app_version = Unicode(_VERSION)
    app_url = "/lab"
    static_dir = BUILD
    templates_dir = os.path.join(HERE, "templates")
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    app_settings_dir = os.path.join(BUILD, "application_settings")

    testing = Bool(False, config=True, help="Load Galata's in-page helpers (browser tests).")
    state_dir = Unicode("", config=True, help="Where user settings and workspaces are kept (default: $GREENAI_LAB_STATE or lab/.state).")

    @default("testing")
    def _default_testing(self):
        return os.environ.get("GREENAI_LAB_TESTING", "") == "1"

    def _state(self, sub):
        base = self.state_dir or os.environ.get("GREENAI_LAB_STATE") or os.path.join(HERE, ".state")
        path = os.path.join(base, sub)
        os.makedirs(path, exist_ok=True)
        return path

    @default("user_settings_dir")
    def _default_user_settings_dir(self):
        return self._state("user-settings")

    @default("workspaces_dir")
    def _default_workspaces_dir(self):
        return self._state("workspaces")

    def _watch_parent(self):
        """Stops the server (kernels first) once the process that started it is gone: npm start
        sets GREENAI_LAB_WATCH_PARENT=1, and this covers its supervisor being killed outright."""
        parent = os.getppid()

        def check():
            if os.getppid() != parent:
                self.log.critical(f"the process that started this server (pid {parent}) is gone; stopping")
                poller.stop()
                self.serverapp.stop()

        poller = PeriodicCallback(check, 1000)
        poller.start()

    def initialize_settings(self):
        super().initialize_settings()
        # jupyter_server only handles SIGINT when stdin is a terminal; otherwise a Ctrl-C ends the
        # IO loop without shutting the kernels down, and they outlive the server (issue 15).
        # One SIGINT stops it like SIGTERM: kernels first, then the server.
        signal.signal(signal.SIGINT, self.serverapp._signal_stop)
        if os.environ.get("GREENAI_LAB_WATCH_PARENT") == "1":
            self._watch_parent()
        if not os.path.exists(os.path.join(BUILD, "bundle.js")):
            self.log.error(f"{BUILD}/bundle.js is missing: run `npm run build:lab` (npm start does it)")
        page = self.settings.setdefault("page_config_data", {})
        page["greenaiTesting"] = "true" if self.testing else "false"


main = launch_new_instance = GreenaiLabApp.launch_instance

if __name__ == "__main__":
    sys.exit(main())
