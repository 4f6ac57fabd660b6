"""Executes a notebook headless with nbclient (run with /usr/bin/python3).

Usage: run_notebook.py NOTEBOOK OUT KERNEL_NAME [TIMEOUT_S]
Runs every cell in the notebook's folder with the given kernelspec (JUPYTER_PATH must find it)
and writes the executed notebook to OUT, even when a cell fails (then exits 1).
"""
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main():
    src, out, kernel = sys.argv[1], sys.argv[2], sys.argv[3]
    timeout = int(sys.argv[4]) if len(sys.argv) > 4 else 600
    nb = nbformat.read(src, as_version=4)
    import os

    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}})
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
