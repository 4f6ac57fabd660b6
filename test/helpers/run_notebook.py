"""Executes a notebook headless with nbclient (run with /usr/bin/python3).

Usage: run_notebook.py NOTEBOOK OUT KERNEL_NAME [TIMEOUT_S] [--allow-errors]
Runs every cell in the notebook's folder with the given kernelspec (JUPYTER_PATH must find it)
and writes the executed notebook to OUT, even when a cell fails (then exits 1). With
--allow-errors a failing cell does not stop the run (the errors stay in OUT's outputs; exit 0).
"""
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main():
    args = [a for a in sys.argv[1:] if a != "--allow-errors"]
    allow_errors = len(args) < len(sys.argv) - 1
    src, out, kernel = args[0], args[1], args[2]
    timeout = int(args[3]) if len(args) > 3 else 600
    nb = nbformat.read(src, as_version=4)
    import os

    client = NotebookClient(
        nb, timeout=timeout, kernel_name=kernel, allow_errors=allow_errors, resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}}
    )
    code = 0
    try:
        client.execute()
    except CellExecutionError as e:
        print(str(e)[:4000], file=sys.stderr)
        code = 1
    nbformat.write(nb, out)
    sys.exit(code)


if __name__ == "__main__":
    main()
