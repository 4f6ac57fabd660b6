#!/usr/bin/env node
/**
 * Runs one command in its own process group and ends that group when the process that started
 * the supervisor dies, so nothing it started (a live trial, a Jupyter server) outlives it: not
 * when it is SIGKILLed, and not while the group is held with SIGSTOP. Used by the local trial
 * backend (kernel/src/trials/local.ts) and by `npm start` (scripts/start.js).
 *
 *   node supervise.js [--grace-ms N] [--report-fd 3] -- CMD [ARGS...]
 *
 * stdin           the watch pipe: the parent keeps it open; its end means the parent is gone.
 * stdout, stderr  handed to the command; the supervisor itself writes to neither.
 * --report-fd N   JSON lines to the parent on fd N: {"pid":P} once started, {"error":"…"} when
 *                 the command cannot start, {"code":C,"signal":S} when it has ended.
 * --grace-ms N    time between SIGTERM and SIGKILL when stopping (default 5000).
 *
 * End of stdin, SIGTERM, SIGINT or SIGHUP: SIGTERM and SIGCONT to the group (a held group gets
 * the TERM only once continued), SIGKILL after the grace period. When the command ends, what it
 * left in its group is killed. Exit status: the command's, 128 + n for signal n, 127 when it
 * could not start.
 */
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");

function usage(msg) {
  process.stderr.write(`supervise: ${msg}\nusage: supervise.js [--grace-ms N] [--report-fd N] -- CMD [ARGS...]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { graceMs: 5000, reportFd: null, cmd: null, args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      [o.cmd, ...o.args] = argv.slice(i + 1);
      break;
    }
    const v = Number(argv[++i]);
    if (!Number.isInteger(v) || v < 0) usage(`${a} needs a whole number ≥ 0 but got ${JSON.stringify(argv[i])}`);
    if (a === "--grace-ms") o.graceMs = v;
    else if (a === "--report-fd") o.reportFd = v;
    else usage(`unknown option ${JSON.stringify(a)}`);
  }
  if (!o.cmd) usage("no command after --");
  return o;
}

const opts = parseArgs(process.argv.slice(2));

function report(obj) {
  if (opts.reportFd === null) return;
  try {
    fs.writeSync(opts.reportFd, JSON.stringify(obj) + "\n");
  } catch {
    /* the parent is gone; nobody to tell */
  }
}

let pgid = null;
const signalGroup = (sig) => {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
};
/** Whether the group has a live member; zombies do not count (PID 1 reaps orphans whenever it gets to it). */
function groupAlive() {
  if (pgid === null) return false;
  let names;
  try {
    names = fs.readdirSync("/proc");
  } catch {
    return signalGroup(0); // no /proc: zombies count as alive
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${n}/stat`, "utf8");
    } catch {
      continue;
    }
    const [state, , pg] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pg) === pgid && state !== "Z" && state !== "X") return true;
  }
  return false;
}

/** Resolves once the group is empty, SIGKILLing it after `graceMs`. */
function groupGone(graceMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let killed = false;
    const poll = setInterval(() => {
      if (!groupAlive()) {
        clearInterval(poll);
        resolve();
      } else if (!killed && Date.now() - t0 >= graceMs) {
        killed = true;
        signalGroup("SIGKILL");
      }
    }, 25);
  });
}

/**
 * Runs once the command's whole group is gone, on every way it can end (finished, stopped, its
 * parent died, could not start): the one place to undo what was set up for it (issue 13: restore
 * the GPU power limit of a capped trial). Must be synchronous: process.exit follows.
 */
function onGroupEnd() {}

let stopping = false;
function stop() {
  if (stopping || pgid === null) return;
  stopping = true;
  signalGroup("SIGTERM");
  signalGroup("SIGCONT");
  void groupGone(opts.graceMs);
}

// fd 3 (the report pipe) is not passed on: only the supervisor reports
const child = spawn(opts.cmd, opts.args, { detached: true, stdio: ["ignore", "inherit", "inherit", "ignore"] });
child.on("spawn", () => {
  pgid = child.pid;
  report({ pid: child.pid });
  if (stopping) {
    stopping = false;
    stop();
  }
});
child.on("error", (e) => {
  onGroupEnd();
  report({ error: `cannot start ${opts.cmd}: ${e.code || e.message}` });
  process.exit(127);
});
child.on("exit", async (code, signal) => {
  // what the command left in its group (e.g. data-loader workers) goes with it
  if (groupAlive()) {
    signalGroup("SIGKILL");
    await groupGone(0);
  }
  onGroupEnd();
  report({ code, signal });
  process.exit(code ?? 128 + (os.constants.signals[signal] || 0));
});

const requestStop = () => (pgid === null ? (stopping = true) : stop());
process.stdin.on("end", requestStop);
process.stdin.on("error", requestStop);
process.stdin.resume();
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(sig, requestStop);
