#!/usr/bin/env python3
"""The markdown report of converge.sh, from the files of its run.

    converge-report.py DIR

DIR is converge.sh's temporary directory:
  meta                  "key<TAB>value" lines: date, machine, engine...
  N.files               the number of project files of size N
  N.TOOL.STEP.t         seconds, one line per timed run (TOOL berth,
                        compose, floor)
  N.TOOL.STEP.calls     "calls mutating", one line per run (berth's
                        --stats, floor.py's count)
  N.cal.TOOL.STEP.log   apiproxy.py's log of the untimed pass
  N.cal.berth.STEP.calls berth's --stats in that pass
"""
import os
import statistics
import sys

# label, berth step, compose step, floor step, berth command, compose command
STEPS = [
    ("first converge (nothing → all running)", "up", "up", "up",
     "`apply -f DIR`", "`up -d` per file"),
    ("no-op (everything converged)", "noop", "noop", None,
     "`apply -f DIR`", "`up -d` per file"),
    ("one service changed (one recreate)", "change", "change", "recreate",
     "`apply -f DIR`", "`up -d` per file"),
    ("one service changed, its file only", "change1", "change1", "recreate",
     "`apply -f FILE`", "`up -d` on that file"),
    ("down", "down", "down", "down", "`down --yes`", "`down` per file"),
    ("plan, nothing to do", "plan", None, "observe", "`plan -f DIR`", None),
    ("validate", "validate", None, None, "`validate -f DIR`", None),
]

METHOD = """\
How it is measured. Times are wall-clock, the median (min–max) of the timed
runs, of the whole process for berth and docker-compose: `$EPOCHREALTIME`
around the command, run with an empty environment but PATH, HOME and
DOCKER_HOST, straight on the engine's socket, after a 1 s pause for the
engine to settle. docker-compose handles one project per process: its rows
run `docker-compose -p PROJECT -f FILE ...` once per file, in sequence, and
give the total (berth does every file in one process; inside one project
compose runs its operations in parallel). The floor (tests/bench/floor.py)
replays berth's own mutating calls, recorded in the untimed pass (same
bodies, objects renamed), straight at the engine's socket, 4 at a time like
berth's default `--parallel 4`, one keep-alive connection per worker and no
depends_on order: the networks and volumes, then per container its create
and start; for the recreate stop, remove, create, start; for down stop and
remove per container, then the networks; for the plan, its reads as berth
makes them (the ping, then the four lists at once, each answer read whole
but not decoded), on berth's converged scope. Its time is taken inside the
replay, from the first request to the last answer. Each run does berth,
then docker-compose, then the floor, each on projects of its own names
(PREFIX-000, PREFIX-c000, PREFIX-f000); volumes are removed, untimed, after
each down (which keeps them, as both tools do without -v/--volumes), so
every first converge creates them.

API calls, "total (mutating)": berth's own count (`--stats`; a range when
the runs differ: depends_on gates poll the container they wait for).
docker-compose's are counted in the untimed pass, through
tests/bench/apiproxy.py, a logging proxy on a unix socket that compose's
DOCKER_HOST points at (requests parsed, keep-alive included); the timed
runs do not go through the proxy. The floor's are the calls it sends.
Mutating: every method but GET and HEAD.

Ratios are of the medians: below 1 berth is faster (1/23: 23 times as fast);
berth ÷ floor is berth's overhead over the engine's own time for its calls."""


def dur(s):
    if s >= 10:
        return "%.1f s" % s
    if s >= 1:
        return "%.2f s" % s
    if s >= 0.01:
        return "%.0f ms" % (s * 1e3)
    return "%.1f ms" % (s * 1e3)


class Run:
    def __init__(self, tmp):
        self.tmp = tmp

    def path(self, name):
        return os.path.join(self.tmp, name)

    def times(self, name):
        p = self.path(name + ".t")
        return [float(x) for x in open(p) if x.strip()] if os.path.exists(p) else None

    def calls(self, name):
        """'N (M)' from a file of 'N M' lines (one per run) or a proxy log."""
        p = self.path(name)
        if name.endswith(".log"):
            if not os.path.exists(p):
                return None
            ms = [x.split('"')[3] for x in open(p) if x.strip()]
            return "%d (%d)" % (len(ms), sum(m not in ("GET", "HEAD") for m in ms))
        p += ".calls"
        if not os.path.exists(p):
            return None
        rows = [x.split() for x in open(p) if x.strip()]
        if not rows:
            return None
        return "%s (%s)" % (span([int(r[0]) for r in rows]), span([int(r[1]) for r in rows]))


def span(v):
    return str(v[0]) if min(v) == max(v) else "%d–%d" % (min(v), max(v))


def cell(t):
    if not t:
        return "—"
    m = statistics.median(t)
    return dur(m) if len(t) == 1 else "%s (%s–%s)" % (dur(m), dur(min(t)), dur(max(t)))


def ratio(a, b):
    if not a or not b:
        return "—"
    r = statistics.median(a) / statistics.median(b)
    if r >= 10:
        return "%.0f" % r
    if r >= 0.5:
        return "%.2f" % r
    return "%.2g (1/%.0f)" % (r, 1 / r)


def main():
    tmp = sys.argv[1]
    run = Run(tmp)
    meta = dict(x.rstrip("\n").split("\t", 1) for x in open(run.path("meta")) if "\t" in x)
    runs = int(meta["runs"])
    out = ["# Converging a host: berth beside docker-compose and the floor", ""]
    for key in ("date", "machine", "engine", "berth", "docker-compose", "load average"):
        out.append("- %s: %s" % (key, meta[key]))
    out.append("- runs: %d timed run%s of every step, after one untimed pass through the "
               "API proxy (which also warms up both tools)" % (runs, "" if runs == 1 else "s"))
    out.append("- manifests: tests/bench/gen-converge.py, 10 services per project file: "
               "environment, ports published on engine-chosen host ports, named volumes, "
               "healthchecks (every 60 s), depends_on, a network per project (a /24 of %s.0.0/16); "
               "busybox running `sleep 3600 & wait`, which exits at once on SIGTERM"
               % meta["subnet"])
    for n in [int(x) for x in meta["sizes"].split()]:
        files = int(open(run.path("%d.files" % n)).read())
        out += ["", "## %d services (%d project file%s)" % (n, files, "" if files == 1 else "s"),
                "",
                "| step — berth command, compose command | berth | docker-compose | floor "
                "| berth ÷ compose | berth ÷ floor | API calls: berth · compose · floor |",
                "|---|--:|--:|--:|--:|--:|--:|"]
        disagree = []
        for label, b, c, f, bcmd, ccmd in STEPS:
            bt = run.times("%d.berth.%s" % (n, b))
            ct = run.times("%d.compose.%s" % (n, c)) if c else None
            ft = run.times("%d.floor.%s" % (n, f)) if f else None
            what = "%s — %s" % (label, bcmd) + (", " + ccmd if ccmd else "")
            bc = "0 (0)" if b == "validate" else run.calls("%d.berth.%s" % (n, b))
            cc = run.calls("%d.cal.compose.%s.log" % (n, c)) if c else None
            fc = run.calls("%d.floor.%s" % (n, f)) if f else None
            out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                what, cell(bt), cell(ct), cell(ft), ratio(bt, ct), ratio(bt, ft),
                " · ".join(x or "—" for x in (bc, cc, fc))))
            if b != "validate":
                own = run.calls("%d.cal.berth.%s" % (n, b))
                seen = run.calls("%d.cal.berth.%s.log" % (n, b))
                if own != seen:
                    disagree.append("%s: berth counted %s, the proxy saw %s" % (label, own, seen))
        out.append("")
        if disagree:
            out.append("In the untimed pass berth's `--stats` and the proxy disagree: "
                       + "; ".join(disagree) + ".")
        else:
            out.append("In the untimed pass berth's own `--stats` count and the proxy's "
                       "agree on every step.")
    out += ["", METHOD]
    print("\n".join(out))


if __name__ == "__main__":
    main()
