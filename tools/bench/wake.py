#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Wake-up latency against idle CPU, for several vhostd builds or configs
side by side (docs/performance.md, "Wake-up latency").

Each --variant is LABEL=PATH[;CONFIG]: a vhostd binary and [daemon] lines
(';'-separated) added to its config.  Every round runs, for each variant in
turn (interleaved, so that a machine shared with other work weighs on all of
them alike):

  first frame  the round trip of frames each sent after --idle seconds of
               silence (tools/bench/idle.py's first-frame part: vhost-bench
               latency mode, one frame per burst, net_ring loopback uplink),
               guest in adaptive mode;
  idle CPU     vhostd's CPU over --seconds with four idle guests on a
               net_tap uplink (idle.py's idle-CPU part), adaptive mode.

Poll mode's first frame (the first variant's binary) is measured once per
round as the floor.  Prints each round and the medians over the rounds;
--json writes them.  Root, dpdk-testpmd and a build tree, as idle.py.
"""
import argparse
import json
import statistics
import sys

import idle  # noqa: E402  (sets sys.path and VHOSTD for harness)
import harness  # noqa: E402


def variant(text):
    label, _, rest = text.partition("=")
    path, _, conf = rest.partition(";")
    if not label or not path:
        raise argparse.ArgumentTypeError("expected LABEL=PATH[;CONFIG], got %r" % text)
    return {"label": label, "path": path, "extra": "\n".join(conf.split(";"))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", type=variant, action="append", required=True,
                    metavar="LABEL=PATH[;CONFIG]")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--idle", type=float, default=0.5, help="silence before each frame (0.5)")
    ap.add_argument("--samples", type=int, default=40, help="frames per latency run (40)")
    ap.add_argument("--seconds", type=float, default=10, help="idle CPU window (10)")
    ap.add_argument("--no-poll", action="store_true", help="skip poll mode's floor")
    ap.add_argument("--show-log", metavar="TEXT",
                    help="print the vhostd log lines containing TEXT after each latency run")
    ap.add_argument("--json")
    args = ap.parse_args()

    rows = {v["label"]: [] for v in args.variant}
    rows_poll = []
    for r in range(args.rounds):
        if not args.no_poll:
            harness.VHOSTD = args.variant[0]["path"]
            rows_poll.append({"first_frame": idle.first_frame(args, "poll")})
            idle.log("round %d poll: %s" % (r + 1, rows_poll[-1]))
        for v in args.variant:
            harness.VHOSTD = v["path"]
            lines = []
            res = {"first_frame": idle.first_frame(args, "adaptive", v["extra"], lines),
                   "idle_cpu": idle.idle_cpu(args, "adaptive", "tap", v["extra"])}
            rows[v["label"]].append(res)
            idle.log("round %d %s: %s" % (r + 1, v["label"], res))
            for line in lines:
                if args.show_log and args.show_log in line:
                    idle.log("  " + line)

    def med(runs, part, key):
        return statistics.median(x[part][key] for x in runs)

    out = {"args": {k: v for k, v in vars(args).items() if k != "variant"},
           "variants": args.variant, "rounds": rows, "poll": rows_poll}
    print("| variant | first frame p50 | p99 | idle CPU (net_tap, 4 guests) |")
    print("|---|---|---|---|")
    for v in args.variant:
        runs = rows[v["label"]]
        print("| %s | %.1f us | %.1f us | %.2f %% |" % (
            v["label"], med(runs, "first_frame", "p50_us"), med(runs, "first_frame", "p99_us"),
            med(runs, "idle_cpu", "cpu_pct")))
    if rows_poll:
        print("| poll (floor) | %.1f us | %.1f us | |" % (
            med(rows_poll, "first_frame", "p50_us"), med(rows_poll, "first_frame", "p99_us")))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
