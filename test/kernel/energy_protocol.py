"""The live energy meter's protocol, driven by jupyter_client (run with /usr/bin/python3).

Usage: energy_protocol.py KERNEL_NAME CWD on|off|output|output-env   (JUPYTER_PATH must point at the kernelspec)
Runs one scenario and prints one JSON object: the execute_reply metadata of cells sent with
JupyterLab's metadata.cellId, and what the `greenai.energy` comm sent (with arrival times).
output / output-env: each cell's iopub messages up to idle and its reply (the cell-energy output,
turned on by `%energy meter --cell-output on` or by GREENAI_CELL_ENERGY_OUTPUT=1).
"""
import json
import sys
import time
import uuid

from jupyter_client.manager import KernelManager


def main():
    kernel_name, cwd, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    comm_log = []  # iopub comm messages: {t, msg_type, comm_id, data}

    def pump(seconds):
        """Reads iopub for `seconds`, logging comm messages."""
        until = time.time() + seconds
        while True:
            left = until - time.time()
            if left <= 0:
                return
            try:
                m = kc.get_iopub_msg(timeout=left)
            except Exception:
                return
            if m["msg_type"].startswith("comm_"):
                c = m["content"]
                comm_log.append({"t": time.time(), "msg_type": m["msg_type"], "comm_id": c.get("comm_id"), "data": c.get("data")})

    def shell(msg_type, content, metadata=None, timeout=60):
        msg = kc.session.msg(msg_type, content, metadata=metadata or {})
        kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def execute(code, cell_id, timeout=60):
        t0 = time.time()
        msg_id = shell("execute_request", {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}, {"cellId": cell_id})
        deadline = time.time() + timeout
        while True:
            r = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if r["parent_header"].get("msg_id") == msg_id:
                break
        pump(0.2)
        return {"status": r["content"]["status"], "metadata": r["metadata"], "sent": t0, "replied": time.time()}

    def reply_to(msg_id, timeout=10):
        deadline = time.time() + timeout
        while True:
            r = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if r["parent_header"].get("msg_id") == msg_id:
                return {"msg_type": r["msg_type"], "content": r["content"]}

    def execute_iopub(code, cell_id, timeout=60):
        """Runs a cell; its iopub messages up to idle (type, header date, content) and its reply."""
        msg_id = shell("execute_request", {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}, {"cellId": cell_id})
        deadline = time.time() + timeout
        iopub = []
        while True:
            m = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            iopub.append({"msg_type": m["msg_type"], "date": m["header"]["date"].isoformat(), "content": m["content"]})
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        while True:
            r = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if r["parent_header"].get("msg_id") == msg_id:
                break
        reply = {"status": r["content"]["status"], "metadata": r["metadata"], "date": r["header"]["date"].isoformat()}
        return {"iopub": iopub, "reply": reply}

    out = {}
    if mode in ("output", "output-env"):
        time.sleep(1.0)  # the meter's first samples
        cells = [("1+1", "o-default")] if mode == "output-env" else [
            ("1+1", "o-default"),
            ("%energy meter --cell-output on", "o-magic-on"),
            ("2+2", "o-on"),
            ("%energy meter --cell-output off", "o-magic-off"),
            ("3+3", "o-off"),
        ]
        for code, cell_id in cells:
            out[cell_id] = execute_iopub(code, cell_id)
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        print(json.dumps(out), flush=True)
        return

    energy = "e-" + uuid.uuid4().hex
    if mode == "on":
        time.sleep(1.0)  # the meter's first samples
        out["small"] = execute("1+1", "cell-a")
        out["sleep"] = execute("%sleep 2", "cell-b")
        out["small2"] = execute("1+1", "cell-c")
        out["comm_info_before"] = reply_to(shell("comm_info_request", {}))
        shell("comm_open", {"comm_id": energy, "target_name": "greenai.energy", "data": {}})
        pump(5.0)
        out["comm_info_open"] = reply_to(shell("comm_info_request", {"target_name": "greenai.energy"}))
        shell("comm_open", {"comm_id": "bogus", "target_name": "no.such.target", "data": {}})
        pump(1.0)
        busy = "const t0 = Date.now();\nwhile (Date.now() - t0 < 3000) {}"
        out["busy"] = execute(busy, "cell-busy")
        pump(4.5)
        shell("comm_close", {"comm_id": energy, "data": {}})
        out["closed_at"] = time.time()
        pump(4.5)
    else:
        out["small"] = execute("1+1", "cell-a")
        shell("comm_open", {"comm_id": energy, "target_name": "greenai.energy", "data": {}})
        pump(2.0)
    out["energy_comm_id"] = energy
    out["comms"] = comm_log
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
