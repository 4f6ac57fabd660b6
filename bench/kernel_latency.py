"""Client-side latencies of kernels measured side by side (run by bench/kernel.bench.js with /usr/bin/python3).

Usage: kernel_latency.py CWD N NAME[:magics] [NAME[:magics] ...]  -> one JSON line on stdout:
{name: {ready_ms, first_ms, trivial_median_ms, warm_median_ms, magic_median_ms?}}.
Each kernel is started in turn (start -> kernel_info ready, then its first `1+1`). Then the cells
alternate between the kernels, one cell each in turn, so that a slow moment of the machine hits
all of them alike: the median of N `1+1` right after the first, the median of N more after WARM (20)
further cells (steady state: JIT and GC settled), and of N `%echo hi` (kernels marked :magics),
execute_request -> idle, in ms.
"""
import json
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

WARM = 20


def run(kc, code):
    t = time.perf_counter()
    reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: None)
    dt = (time.perf_counter() - t) * 1000
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code!r} failed: {reply['content']}")
    return dt


def interleaved(clients, code, n):
    """n runs of `code` on each client, alternating; the median per client."""
    times = {name: [] for name in clients}
    for _ in range(n):
        for name, kc in clients.items():
            times[name].append(run(kc, code))
    return {name: statistics.median(ts) for name, ts in times.items()}


def main():
    cwd, n = sys.argv[1], int(sys.argv[2])
    specs = [a.split(":") for a in sys.argv[3:]]
    out, managers, clients = {}, [], {}
    try:
        for spec in specs:
            name = spec[0]
            t0 = time.perf_counter()
            km = KernelManager(kernel_name=name)
            km.start_kernel(cwd=cwd)
            managers.append(km)
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            out[name] = {"ready_ms": (time.perf_counter() - t0) * 1000}
            out[name]["first_ms"] = run(kc, "1+1")
            clients[name] = kc
        for name, ms in interleaved(clients, "1+1", n).items():
            out[name]["trivial_median_ms"] = ms
        interleaved(clients, "1+1", WARM)
        for name, ms in interleaved(clients, "1+1", n).items():
            out[name]["warm_median_ms"] = ms
        magics = {spec[0]: clients[spec[0]] for spec in specs if "magics" in spec[1:]}
        for name, ms in interleaved(magics, "%echo hi", n).items():
            out[name]["magic_median_ms"] = ms
    finally:
        for kc in clients.values():
            kc.stop_channels()
        for km in managers:
            km.shutdown_kernel(now=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
