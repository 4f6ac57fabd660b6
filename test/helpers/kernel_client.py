"""A line-oriented Jupyter client for the jest protocol tests (run with /usr/bin/python3).

Starts the kernelspec named on the command line (JUPYTER_PATH must point at it) in the
folder given, then reads one JSON request per line on stdin and answers one JSON line:
  {"op": "execute", "code": "...", "timeout": 30, "stop_on_error": true, "silent": false}
      -> {"reply": {...}, "iopub": [{"msg_type": ..., "content": ...}, ...]}
  {"op": "execute_nowait", "code": "..."}            -> {"msg_id": "..."}  (reply collected later)
  {"op": "collect", "msg_id": "...", "timeout": 30}  -> like execute
  {"op": "started", "msg_id": "...", "timeout": 30}  -> {"ok": true} once its execute_input came
  {"op": "interrupt"}                                 -> {"ok": true}
  {"op": "complete"|"inspect"|"is_complete"|"kernel_info"|"comm_info", ...} -> {"reply": {...}}
  {"op": "history", "args": {"hist_access_type": "tail", "n": 3, ...}} -> {"reply": {...}, "msg_type": ...}
  {"op": "shutdown"}                                  -> {"ok": true}
"""
import json
import sys
import time

from jupyter_client.manager import KernelManager


def main():
    kernel_name, cwd = sys.argv[1], sys.argv[2]
    t0 = time.time()
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    print(json.dumps({"ready_s": time.time() - t0}), flush=True)

    # Messages read while waiting for another request are kept for their own collect().
    shell_buf, iopub_buf, idle = {}, {}, set()

    def read_iopub(deadline):
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        parent = msg["parent_header"].get("msg_id")
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                idle.add(parent)
        else:
            iopub_buf.setdefault(parent, []).append({"msg_type": msg["msg_type"], "content": msg["content"]})
        return msg, parent

    def started(msg_id, timeout):
        """Waits until the request's cell has begun (its execute_input); keeps what it read."""
        deadline = time.time() + timeout
        if any(m["msg_type"] == "execute_input" for m in iopub_buf.get(msg_id, [])):
            return
        while True:
            msg, parent = read_iopub(deadline)
            if parent == msg_id and msg["msg_type"] == "execute_input":
                return

    def collect(msg_id, timeout):
        deadline = time.time() + timeout
        while msg_id not in shell_buf:
            msg = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            shell_buf[msg["parent_header"].get("msg_id")] = msg
        # Drain iopub until this request's idle status.
        while msg_id not in idle:
            read_iopub(deadline)
        reply = shell_buf.pop(msg_id)
        idle.discard(msg_id)
        return {"reply": reply["content"], "iopub": iopub_buf.pop(msg_id, [])}

    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        timeout = req.get("timeout", 60)
        try:
            if op == "execute":
                msg_id = kc.execute(req["code"], silent=req.get("silent", False), stop_on_error=req.get("stop_on_error", True))
                out = collect(msg_id, timeout)
            elif op == "execute_nowait":
                out = {"msg_id": kc.execute(req["code"], stop_on_error=req.get("stop_on_error", True))}
            elif op == "collect":
                out = collect(req["msg_id"], timeout)
            elif op == "started":
                started(req["msg_id"], timeout)
                out = {"ok": True}
            elif op == "interrupt":
                km.interrupt_kernel()
                out = {"ok": True}
            elif op == "complete":
                kc.complete(req["code"], req.get("cursor_pos"))
                out = {"reply": kc.get_shell_msg(timeout=timeout)["content"]}
            elif op == "inspect":
                kc.inspect(req["code"], req.get("cursor_pos"))
                out = {"reply": kc.get_shell_msg(timeout=timeout)["content"]}
            elif op == "is_complete":
                kc.is_complete(req["code"])
                out = {"reply": kc.get_shell_msg(timeout=timeout)["content"]}
            elif op == "history":
                kc.history(**req.get("args", {}))
                r = kc.get_shell_msg(timeout=timeout)
                out = {"reply": r["content"], "msg_type": r["msg_type"]}
            elif op == "kernel_info":
                kc.kernel_info()
                out = {"reply": kc.get_shell_msg(timeout=timeout)["content"]}
            elif op == "comm_info":
                msg = kc.session.msg("comm_info_request", {})
                kc.shell_channel.send(msg)
                r = kc.get_shell_msg(timeout=timeout)
                out = {"reply": r["content"], "msg_type": r["msg_type"]}
            elif op == "alive":
                out = {"alive": km.is_alive()}
            elif op == "shutdown":
                kc.stop_channels()
                km.shutdown_kernel(now=False)
                print(json.dumps({"ok": True}), flush=True)
                return
            else:
                out = {"error": f"unknown op {op}"}
        except Exception as e:  # report, keep serving
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
