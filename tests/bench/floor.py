#!/usr/bin/env python3
"""The floor of the converge benchmark: berth's own mutating calls, replayed
straight at the engine with the same parallelism, to show what the engine
itself takes for them.

    floor.py up       SOCKET UP_LOG       --rename OLD NEW --scope S [-P 4]
    floor.py recreate SOCKET CHANGE_LOG   --rename OLD NEW --scope S [-P 4]
    floor.py down     SOCKET UP_LOG       --rename OLD NEW --scope S [-P 4]
    floor.py observe  SOCKET PLAN_LOG

UP_LOG and CHANGE_LOG are apiproxy.py logs of a berth apply (the first
converge, and one that recreated containers).  Every project name
OLD-NNN in a path or body becomes NEWNNN (converge.sh: PREFIX-000 becomes
PREFIX-f000), so the floor's objects have names of their own, and label
berth.scope becomes S, so no berth scope sees them.

  up        the network and volume creates, P at a time; then per
            container its create, its network connects and its start, in
            sequence, P containers at a time (berth's order of creates);
  recreate  per container berth recreated: stop, remove (force), create,
            start, P containers at a time;
  down      per container of UP_LOG: stop, remove (force), P at a time;
            then the networks, P at a time.
  observe   the reads of a berth plan (PLAN_LOG, its apiproxy.py log) as
            berth makes them: the ping, then the other GETs at once, each
            on a connection of its own, the answers read whole (not
            decoded).  Nothing is renamed: it reads berth's own scope,
            while it is converged.

No dependency order (depends_on) is kept: this is the engine's time for
the calls, the lowest any tool could take.  Each worker thread keeps one
keep-alive connection, as berth's workers do.  Prints "SECONDS CALLS
MUTATING": the wall-clock time from the first request to the last
response (the interpreter's start is not in it) and the calls made.
Any answer other than 2xx (or 304 to a start or stop) is an error: the
script names the call and exits 1.  FLOOR_TRACE=1 prints each call's time
on stderr.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.parse

API = "/v1.41"
TRACE = os.environ.get("FLOOR_TRACE") == "1"  # each call's time on stderr


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=600)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Client:
    """One keep-alive connection per thread; counts calls."""

    def __init__(self, path):
        self.path, self.local = path, threading.local()
        self.lock, self.calls = threading.Lock(), 0

    def call(self, method, path, body=None):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = UnixConnection(self.path)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        t0 = time.perf_counter()
        conn.request(method, API + path, body=body.encode() if body is not None else None,
                     headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if TRACE:
            print("floor.py: %.3f s %s %s %d" % (time.perf_counter() - t0, method,
                                                 path.split("?")[0], resp.status), file=sys.stderr)
        with self.lock:
            self.calls += 1
        ok = 200 <= resp.status < 300 or (resp.status == 304 and method == "POST")
        if not ok:
            raise RuntimeError("%s %s: %d %s" % (method, path, resp.status,
                                                 data.decode("utf-8", "replace").strip()))
        return data


def strip_version(path):
    """/v1.41/containers/create?name=x -> /containers/create?name=x"""
    return re.sub(r"^/v[0-9.]+", "", path)


class Replay:
    def __init__(self, a):
        self.old = re.compile(re.escape(a.rename[0]) + r"-(\d{3})")
        self.new, self.scope = a.rename[1], a.scope

    def rename(self, text):
        return self.old.sub(lambda m: self.new + m.group(1), text)

    def body(self, text):
        obj = json.loads(self.rename(text))
        labels = obj.get("Labels")
        if isinstance(labels, dict) and "berth.scope" in labels:
            labels["berth.scope"] = self.scope
        return json.dumps(obj)

    def calls(self, log):
        """The renamed mutating calls of an apiproxy log: (method, path, body)."""
        out = []
        for line in open(log):
            r = json.loads(line)
            if r["m"] in ("GET", "HEAD"):
                continue
            path = self.rename(strip_version(r["p"]))
            out.append((r["m"], path, self.body(r["b"]) if r["b"] else None))
        return out


def containers(calls):
    """Per container created, in order: [name, [calls of create, connect, start]]."""
    order, by = [], {}
    for m, p, b in calls:
        if m == "POST" and p.startswith("/containers/create?"):
            name = urllib.parse.parse_qs(p.split("?", 1)[1])["name"][0]
            by[name] = [(m, p, b)]
            order.append(name)
    for m, p, b in calls:
        k = re.match(r"/networks/[^/]+/connect$", p)
        if k and b:
            name = json.loads(b).get("Container")
            if name in by:
                by[name].append((m, p, b))
    for name in order:
        by[name].append(("POST", "/containers/%s/start" % name, None))
    return [(name, by[name]) for name in order]


def run(client, jobs, parallel):
    """Run jobs (lists of calls, each list in sequence), parallel at a time."""
    def one(job):
        for m, p, b in job:
            client.call(m, p, b)
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as ex:
        for f in [ex.submit(one, j) for j in jobs]:
            f.result()


def observe(a):
    """The observe step: the ping, then every other GET of the log at once."""
    gets = [strip_version(r["p"]) for r in map(json.loads, open(a.log)) if r["m"] == "GET"]
    ping = [p for p in gets if p == "/_ping"]
    lists = [p for p in gets if p != "/_ping"]
    if len(ping) != 1 or not lists:
        sys.exit("floor.py observe: %s holds no ping and lists: %s" % (a.log, gets))
    clients = [Client(a.socket) for _ in lists]
    t0 = time.perf_counter()
    try:
        c = UnixConnection(a.socket)  # unversioned, as berth pings
        c.request("GET", "/_ping")
        if c.getresponse().read() != b"OK":
            raise RuntimeError("GET /_ping: not OK")
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(lists)) as ex:
            for f in [ex.submit(cl.call, "GET", p) for cl, p in zip(clients, lists)]:
                f.result()
    except (RuntimeError, OSError, http.client.HTTPException) as e:
        sys.exit("floor.py observe: %s" % e)
    print("%.6f %d 0" % (time.perf_counter() - t0, 1 + len(lists)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=["up", "recreate", "down", "observe"])
    ap.add_argument("socket")
    ap.add_argument("log")
    ap.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"))
    ap.add_argument("--scope")
    ap.add_argument("-P", "--parallel", type=int, default=4)
    a = ap.parse_args()
    if a.step == "observe":
        return observe(a)
    if not a.rename or not a.scope:
        ap.error("%s needs --rename and --scope" % a.step)
    rp = Replay(a)
    calls = rp.calls(a.log)
    ctrs = containers(calls)
    if not ctrs:
        sys.exit("floor.py: no container create in %s" % a.log)
    stop_rm = lambda n: [("POST", "/containers/%s/stop" % n, None),  # noqa: E731
                         ("DELETE", "/containers/%s?force=1&v=0" % n, None)]
    if a.step == "up":
        phases = [[[c] for c in calls
                   if c[1].startswith(("/networks/create", "/volumes/create"))],
                  [job for _, job in ctrs]]
    elif a.step == "recreate":
        phases = [[stop_rm(name) + job for name, job in ctrs]]
    else:
        nets = [json.loads(b)["Name"] for m, p, b in calls if p.startswith("/networks/create")]
        phases = [[stop_rm(name) for name, _ in ctrs],
                  [[("DELETE", "/networks/%s" % n, None)] for n in nets]]
    client = Client(a.socket)
    mutating = sum(len(job) for phase in phases for job in phase)
    t0 = time.perf_counter()
    try:
        for phase in phases:
            run(client, phase, a.parallel)
    except (RuntimeError, OSError, http.client.HTTPException) as e:
        sys.exit("floor.py %s: %s" % (a.step, e))
    print("%.6f %d %d" % (time.perf_counter() - t0, client.calls, mutating))


if __name__ == "__main__":
    main()
