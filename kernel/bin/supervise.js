#!/usr/bin/env node
/**
 * Runs one command in its own process group and ends that group when the process that started
 * the supervisor dies, so nothing it started (a live trial, a Jupyter server) outlives it: not
 * when it is SIGKILLed, and not while the group is held with SIGSTOP. Used by the local trial
 * backend (kernel/src/trials/local.ts) and by `npm start` (scripts/start.js).
 *
 *   node supervise.js [--grace-ms N] [--report-fd 3] [--power-restore GPU=W ...] [--power-record FILE] -- CMD [ARGS...]
 *
 * stdin           the watch pipe: the parent keeps it open; its end means the parent is gone.
 * stdout, stderr  handed to the command; the supervisor itself writes to neither.
 * --report-fd N   JSON lines to the parent on fd N: {"pid":P} once started, {"error":"…"} when
 *                 the command cannot start, {"code":C,"signal":S} when it has ended.
 * --grace-ms N    time between SIGTERM and SIGKILL when stopping (default 5000).
 * --power-restore GPU=W   (repeatable) the runner holds a GPU power cap for its whole run
 *                 (kernel/src/trials/runner.ts, --power-limit); should the runner die while the
 *                 command runs, put GPU's limit back to W watts (`nvidia-smi -i GPU -pl W`, the
 *                 nvidia-smi on PATH) once the group is gone. A normal end of the command restores
 *                 nothing: the runner still holds the cap for its other trials.
 * --power-record FILE     append a JSON line per such restore to FILE (the run's events.jsonl:
 *                 the runner is gone, so nothing else writes it).
 *
 * End of stdin, SIGTERM, SIGINT or SIGHUP: SIGTERM and SIGCONT to the group (a held group gets
 * the TERM only once continued), SIGKILL after the grace period. When the command ends, what it
 * left in its group is killed. Exit status: the command's, 128 + n for signal n, 127 when it
 * could not start.
 */
"use strict";
const { spawn, spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");

function usage(msg) {
  process.stderr.write(`supervise: ${msg}\nusage: supervise.js [--grace-ms N] [--report-fd N] [--power-restore GPU=W ...] [--power-record FILE] -- CMD [ARGS...]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { graceMs: 5000, reportFd: null, powerRestore: [], powerRecord: null, cmd: null, args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      [o.cmd, ...o.args] = argv.slice(i + 1);
      break;
    }
    if (a === "--power-restore") {
      const m = /^(\d+)=(\d+(?:\.\d+)?)$/.exec(argv[++i] || "");
      if (!m) usage(`--power-restore needs GPU=WATTS (e.g. 0=250) but got ${JSON.stringify(argv[i])}`);
      o.powerRestore.push({ gpu: Number(m[1]), watts: Number(m[2]) });
      continue;
    }
    if (a === "--power-record") {
      if (!argv[i + 1]) usage("--power-record needs a file");
      o.powerRecord = argv[++i];
      continue;
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
function onGroupEnd() {
  // the parent's death can reach us as the command's end first (its output pipe broke) before the
  // watch pipe's end is read: being reparented says it too
  if (!orphaned && process.ppid === parentPid) return;
  for (const { gpu, watts } of opts.powerRestore) {
    const r = spawnSync("nvidia-smi", ["-i", String(gpu), "-pl", String(watts)], { encoding: "utf8", timeout: 30000 });
    const out = `${r.stdout || ""}${r.stderr || ""}`.trim();
    const ok = r.status === 0;
    const detail = ok
      ? "the runner ended holding the cap (its pipe closed); the trial's supervisor put the limit back"
      : `the runner ended holding the cap; nvidia-smi -i ${gpu} -pl ${watts} failed (${r.error ? r.error.code || r.error.message : `exit code ${r.status}`}): ${out.split("\n").join(" / ").slice(0, 300)}`;
    if (!ok) process.stderr.write(`supervise: ${detail}\n`);
    recordPower({ type: "power", t_ms: Date.now(), action: ok ? "restored" : "restore-failed", gpu, limit_w: watts, original_w: null, by: "supervisor", ...trialOf(), detail });
  }
}

/** The trial and attempt this supervisor runs (from the environment the runner gave it). */
function trialOf() {
  const trial = process.env.GREENAI_TRIAL_ID;
  const attempt = Number(process.env.GREENAI_ATTEMPT);
  return { ...(trial ? { trial } : {}), ...(Number.isInteger(attempt) && attempt > 0 ? { attempt } : {}) };
}

function recordPower(ev) {
  if (!opts.powerRecord) return;
  try {
    // a runner killed mid-write may have left a cut last line: start on a line of our own
    let sep = "";
    try {
      const fd = fs.openSync(opts.powerRecord, "r");
      const size = fs.fstatSync(fd).size;
      const b = Buffer.alloc(1);
      if (size > 0 && fs.readSync(fd, b, 0, 1, size - 1) === 1 && b[0] !== 10) sep = "\n";
      fs.closeSync(fd);
    } catch {
      /* no file yet */
    }
    fs.appendFileSync(opts.powerRecord, sep + JSON.stringify(ev) + "\n");
  } catch {
    /* nowhere to record it; the restore itself was done */
  }
}

/** Set when the watch pipe ends: the process that started the supervisor is gone. */
let orphaned = false;
const parentPid = process.ppid;

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
const parentGone = () => {
  orphaned = true;
  requestStop();
};
process.stdin.on("end", parentGone);
process.stdin.on("error", parentGone);
process.stdin.resume();
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(sig, requestStop);
