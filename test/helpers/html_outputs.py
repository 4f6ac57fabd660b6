"""Lists what each output of an nbconvert HTML page shows (run with /usr/bin/python3).

Usage: html_outputs.py PAGE.html  → JSON list, one entry per output:
{"cell": n, "mime": "text/html", "text": "...", "tables": k, "scripts": k}
"""
import json
import sys

from bs4 import BeautifulSoup


def main():
    soup = BeautifulSoup(open(sys.argv[1], encoding="utf8").read(), "html.parser")
    out = []
    for n, cell in enumerate(soup.select(".jp-Cell.jp-CodeCell")):
        for o in cell.select(".jp-OutputArea-output"):
            out.append(
                {
                    "cell": n,
                    "mime": o.get("data-mime-type", ""),
                    "text": o.get_text(" ", strip=True),
                    "tables": len(o.select("table")),
                    "scripts": len(o.select("script")),
                }
            )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
