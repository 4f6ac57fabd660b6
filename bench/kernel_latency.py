"""Client-side latencies of one kernel (run by bench/kernel.bench.js with /usr/bin/python3).

Usage: kernel_latency.py KERNEL_NAME CWD N  -> one JSON line on stdout.
Measures start -> kernel_info ready, the first `1+1`, then the median of N `1+1` right after it,
the median of N more after WARM (20) further cells (steady state: JIT and GC settled), and of N
`%echo hi` (magics only where the kernel has them), execute_request -> idle, in ms.
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


def main():
    name, cwd, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    magics = len(sys.argv) > 4 and sys.argv[4] == "magics"
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    out = {"ready_ms": (time.perf_counter() - t0) * 1000}
    out["first_ms"] = run(kc, "1+1")
    out["trivial_median_ms"] = statistics.median(run(kc, "1+1") for _ in range(n))
    for _ in range(WARM):
        run(kc, "1+1")
    out["warm_median_ms"] = statistics.median(run(kc, "1+1") for _ in range(n))
    if magics:
        out["magic_median_ms"] = statistics.median(run(kc, "%echo hi") for _ in range(n))
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
