#!/usr/bin/env python3
"""Times stock supervisorctl against supervisor-quick's quick verbs, side by side, in one run.

Starts its own supervisord for each scenario (a group `app` of N `sleep` processes with
startsecs=1), runs every operation several times, checks the end state after each run, and
prints medians, ratios, the server floor and the HTTP requests each quick verb made.

The floor is what supervisord itself needs: the fastest of (a) one system.multicall of
wait=false calls then getAllProcessInfo every 20 ms until every target reached its state,
(b) one group call with wait=false then the same polling, (c) one group call with wait=true;
each timed from this (already running) Python process, so no interpreter start-up is counted.

Run it with the Python of a venv that has supervisor installed (bench/run does that).
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

from supervisor.xmlrpc import SupervisorTransport

RUNNING, STOPPED_STATES = 20, (0, 100, 200)


def proxy(sock):
    return xmlrpc.client.ServerProxy(
        "http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + sock)
    ).supervisor


def rpc(sock):
    return xmlrpc.client.ServerProxy(
        "http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + sock)
    )


class Server:
    def __init__(self, venv, n, startsecs=1):
        self.dir = tempfile.mkdtemp(prefix="sq-bench-")
        self.sock = os.path.join(self.dir, "s.sock")
        self.conf = os.path.join(self.dir, "supervisord.conf")
        with open(self.conf, "w") as f:
            f.write(
                f"""[unix_http_server]
file={self.sock}
[supervisord]
logfile={self.dir}/supervisord.log
pidfile={self.dir}/supervisord.pid
childlogdir={self.dir}
nodaemon=true
minfds=16384
loglevel=warn
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://{self.sock}
[program:app]
command=sleep 100000
process_name=app_%(process_num)03d
numprocs={n}
autostart=false
startsecs={startsecs}
stopwaitsecs=5
redirect_stderr=true
stdout_logfile=NONE
"""
            )
        self.venv = venv
        self.proc = subprocess.Popen(
            [os.path.join(venv, "bin", "supervisord"), "-c", self.conf],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while True:
            try:
                if proxy(self.sock).getState()["statename"] == "RUNNING":
                    break
            except Exception:
                pass
            if time.time() > deadline:
                raise SystemExit("supervisord did not come up")
            time.sleep(0.05)
        self.version = proxy(self.sock).getSupervisorVersion()

    def states(self):
        return [i["state"] for i in proxy(self.sock).getAllProcessInfo()]

    def settle(self, want_running):
        """Puts every process in the wanted state, outside any timing."""
        p = proxy(self.sock)
        if want_running:
            p.startProcessGroup("app", False)
        else:
            p.stopProcessGroup("app", False)
        deadline = time.time() + 300
        while time.time() < deadline:
            st = self.states()
            if all((s == RUNNING) if want_running else (s in STOPPED_STATES) for s in st):
                time.sleep(0.3)  # let the server go idle, as for any command typed later
                return
            time.sleep(0.1)
        raise SystemExit("could not settle the server")

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(cmd, env=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return time.perf_counter() - t, r


def wait_all(p, want_running, names=None):
    while True:
        infos = p.getAllProcessInfo()
        if names is not None:
            infos = [i for i in infos if "%s:%s" % (i["group"], i["name"]) in names]
        if want_running:
            if all(i["state"] == RUNNING for i in infos):
                return
        elif all(i["state"] in STOPPED_STATES for i in infos):
            return
        time.sleep(0.02)


def floor_ways(server, op, names):
    """Each way of asking the server, timed from a running client."""
    ways = {}

    def multicall():
        m = rpc(server.sock)
        method = "supervisor.startProcess" if op == "start" else "supervisor.stopProcess"
        m.system.multicall([{"methodName": method, "params": [n, False]} for n in names])
        wait_all(proxy(server.sock), op == "start", set(names))

    def group_nowait():
        p = proxy(server.sock)
        (p.startProcessGroup if op == "start" else p.stopProcessGroup)("app", False)
        wait_all(p, op == "start", set(names))

    def group_wait():
        p = proxy(server.sock)
        (p.startProcessGroup if op == "start" else p.stopProcessGroup)("app", True)

    ways["multicall+poll"] = multicall
    if len(names) == len(server.states()):
        ways["group nowait+poll"] = group_nowait
        ways["group wait"] = group_wait
    return ways


def check(server, want_running, names=None):
    infos = proxy(server.sock).getAllProcessInfo()
    if names is not None:
        infos = [i for i in infos if "%s:%s" % (i["group"], i["name"]) in names]
    bad = [i["name"] for i in infos if (i["state"] != RUNNING if want_running else i["state"] not in STOPPED_STATES)]
    if bad:
        raise SystemExit("end state wrong for %d processes (e.g. %s)" % (len(bad), bad[:3]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="the supervisor-quick binary")
    ap.add_argument("--venv43", required=True)
    ap.add_argument("--venv31", help="a supervisor 3.1.3 venv (adds the old-server case)")
    ap.add_argument("--no-old", action="store_true", help="leave out the 3.1.3 case")
    ap.add_argument("--sizes", default="32,1000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--old-stock-runs", type=int, default=1, help="stock on 3.1.3 takes about a minute a run")
    ap.add_argument("--ops", default="start,stop,restart,eight", help="which cases to time (default: all)")
    args = ap.parse_args()

    stock43 = os.path.join(args.venv43, "bin", "supervisorctl")
    wanted = set(args.ops.split(","))
    rows = []

    def scenario(label, venv, stockctl, n, ops, runs, stock_runs):
        server = Server(venv, n)
        try:
            allnames = ["app:app_%03d" % i for i in range(n)]
            for op, stock_args, quick_args, names in ops:
                names = names or allnames
                want_running = op in ("start", "restart")
                pre_running = op in ("stop", "restart")
                res = {"stock": [], "ours": [], "floor": {}, "requests": []}
                for r in range(max(runs, stock_runs)):
                    if r < stock_runs:
                        server.settle(pre_running)
                        t, out = timed([stockctl, "-c", server.conf] + stock_args)
                        check(server, want_running, set(names))
                        res["stock"].append(t)
                    if r < runs:
                        server.settle(pre_running)
                        env = dict(os.environ, SUPERVISOR_QUICK_STATS="1")
                        t, out = timed([args.bin, "-c", server.conf] + quick_args, env)
                        if out.returncode != 0:
                            raise SystemExit("%s failed (%d): %s %s" % (quick_args, out.returncode, out.stdout[-500:], out.stderr[-500:]))
                        check(server, want_running, set(names))
                        res["ours"].append(t)
                        m = re.search(r"(\d+) HTTP requests", out.stderr)
                        res["requests"].append(int(m.group(1)) if m else -1)
                        if op != "restart":
                            for way, fn in floor_ways(server, op, names).items():
                                server.settle(pre_running)
                                t0 = time.perf_counter()
                                fn()
                                res["floor"].setdefault(way, []).append(time.perf_counter() - t0)
                                check(server, want_running, set(names))
                rows.append((label, op, " ".join(quick_args), res))
                print_row(rows[-1], flush=True)
        finally:
            server.close()

    for n in [int(x) for x in args.sizes.split(",") if x]:
        ops = [
            ("start", ["start", "app:"], ["quickstart", "app:"], None),
            ("stop", ["stop", "app:"], ["quickstop", "app:"], None),
            ("restart", ["restart", "app:"], ["quickrestart", "app:"], None),
        ]
        if n >= 8:
            eight = ["app:app_%03d" % i for i in range(8)]
            ops.append(("start", ["start"] + eight, ["quickstart"] + eight, eight))
        ops = [o for o in ops if ("eight" if o[3] else o[0]) in wanted]
        if ops:
            scenario("4.3.0 N=%d" % n, args.venv43, stock43, n, ops, args.runs, args.runs)
    if args.venv31 and not args.no_old:
        stock31 = os.path.join(args.venv31, "bin", "supervisorctl")
        ops = [
            ("start", ["start", "app:"], ["quickstart", "app:"], None),
            ("stop", ["stop", "app:"], ["quickstop", "app:"], None),
        ]
        ops = [o for o in ops if o[0] in wanted]
        if ops:
            scenario("3.1.3 N=32", args.venv31, stock31, 32, ops, args.runs, args.old_stock_runs)

    print()
    print("%-12s %-7s %-34s %8s %8s %8s %-18s %7s %9s %5s" % (
        "server", "op", "quick verb", "stock", "ours", "floor", "(fastest way)", "stock/us", "us-floor", "reqs"))
    for row in rows:
        print_row(row, table=True)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def print_row(row, table=False, flush=False):
    label, op, quick, res = row
    stock, ours = med(res["stock"]), med(res["ours"])
    floors = {w: med(ts) for w, ts in res["floor"].items()}
    way, floor = min(floors.items(), key=lambda kv: kv[1]) if floors else ("-", float("nan"))
    reqs = max(res["requests"]) if res["requests"] else -1
    if len(quick) > 34:
        quick = quick[:31] + "..."
    if table:
        print("%-12s %-7s %-34s %7.3fs %7.3fs %7.3fs %-18s %7.1fx %+8.3fs %5d" % (
            label, op, quick, stock, ours, floor, way, stock / ours, ours - floor, reqs))
    else:
        detail = ", ".join("%s %.3fs" % kv for kv in floors.items())
        print("%s %s [%s]: stock %.3fs, ours %.3fs (%d requests)%s" % (
            label, op, quick, stock, ours, reqs, "; floor: " + detail if detail else ""), flush=flush)


if __name__ == "__main__":
    main()
