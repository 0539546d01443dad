#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The results of a compare.py campaign: medians per scenario and system,
the ratios between systems, the text table, the CSV and JSON files and the
plot (gnuplot).  Reads runs only, starts nothing: compare.py --summarize DIR
redoes this part alone for an earlier campaign."""

import csv
import json
import os
import shutil
import statistics
import subprocess
import sys


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# A run is "quiet" when both measured threads had their CPUs (almost) to
# themselves for the whole window: nothing else on a shared machine took
# turns with them.
QUIET_CPU = 0.95

FIELDS = ["rep", "scenario", "system", "mpps", "mpps_cpu", "cyc_self", "cyc_cpu", "cpu_frac",
          "wait_frac", "guest_cpu_frac", "quiet", "tx_full_pct", "rx_empty_pct", "pkts",
          "be_pkts", "loadavg", "idle_before", "elapsed_s", "ndr_trials", "ndr_lost", "error"]
# The search scenarios' own (tools/bench/scenarios.py: thr_mpps, latency).
SEARCH_METRICS = ["thr_mpps"] + ["lat%d_%s" % (f, p) for f in (10, 50, 90)
                                 for p in ("p50_us", "p99_us", "p999_us", "offered_mpps")]
FIELDS += SEARCH_METRICS
METRICS = ["mpps", "mpps_cpu", "cyc_self", "cyc_cpu", "cpu_frac", "wait_frac",
           "guest_cpu_frac", "tx_full_pct", "rx_empty_pct"] + SEARCH_METRICS


def is_quiet(r):
    """1 when both measured threads had their CPUs to themselves (QUIET_CPU)."""
    return int(r["cpu_frac"] >= QUIET_CPU and r["guest_cpu_frac"] >= QUIET_CPU)


def summarize(runs, scenarios, systems):
    out = []
    for sc in scenarios:
        for sy in systems:
            ok = [r for r in runs if r["scenario"] == sc.name and r["system"] == sy
                  and not r.get("error")]
            row = dict(scenario=sc.name, system=sy, runs=len(ok),
                       failed=len([r for r in runs if r["scenario"] == sc.name and
                                   r["system"] == sy and r.get("error")]))
            for m in METRICS:
                vals = [r[m] for r in ok if r.get(m) is not None]   # NDR runs: mpps only
                row[m] = statistics.median(vals) if vals else None
            vals = [r["mpps"] for r in ok]
            row["mpps_min"] = min(vals) if vals else None
            row["mpps_max"] = max(vals) if vals else None
            quiet = [r for r in ok if r.get("quiet")]
            row["quiet_runs"] = len(quiet)
            for m in ("mpps", "cyc_self", "cyc_cpu"):
                vals = [r[m] for r in quiet if r.get(m) is not None]
                row[m + "_quiet"] = statistics.median(vals) if vals else None
            out.append(row)
    return out


def ratio(a, b):
    return a / b if a is not None and b else None


def ratios(summary, scenarios):
    med = {(r["scenario"], r["system"]): r for r in summary}
    out = []
    for sc in scenarios:
        v = med.get((sc.name, "vhostd"))
        if v is None:
            continue
        row = dict(scenario=sc.name)
        for other in ("testpmd", "ovs"):
            o = med.get((sc.name, other))
            for m in ("mpps", "mpps_cpu", "cyc_self", "cyc_cpu", "mpps_quiet", "cyc_self_quiet",
                      "cyc_cpu_quiet"):
                row["%s_%s" % (m, other)] = ratio(v[m], o[m]) if o else None
        out.append(row)
    return out


def fmt(v, spec="%.3f"):
    return "-" if v is None else spec % v


def text_table(summary, rat, meta):
    lines = ["vhostd / testpmd (net_vhost, io) / OVS-DPDK: medians of %d interleaved runs, "
             "%g s windows after %g s warm-up" % (meta["reps"], meta["duration"], meta["warmup"]),
             "backend forwarding thread on CPU %d, guest (vhost-bench) on CPU %d; quiet runs: "
             "both threads on their CPUs >= %d %% of the window" %
             (meta["backend_cpu"], meta["guest_cpu"], QUIET_CPU * 100), "",
             "%-16s %-8s %4s %7s %12s %7s %5s %7s %7s %7s %7s %5s %5s %5s %6s %6s" %
             ("scenario", "system", "runs", "Mpps", "(min-max)", "Mpps/C", "quiet", "Mpps",
              "cyc/pkt", "cyc/CPU", "cyc/pkt", "oncpu", "wait", "guest", "TXfull", "RXidle"),
             "%-16s %-8s %4s %7s %12s %7s %5s %7s %7s %7s %7s" %
             ("", "", "", "all", "all", "all", "runs", "quiet", "all", "all", "quiet")]
    for r in summary:
        rng = "%s-%s" % (fmt(r["mpps_min"], "%.2f"), fmt(r["mpps_max"], "%.2f"))
        lines.append("%-16s %-8s %4d %7s %12s %7s %5d %7s %7s %7s %7s %5s %5s %5s %6s %6s" % (
            r["scenario"], r["system"], r["runs"], fmt(r["mpps"], "%.2f"), rng,
            fmt(r["mpps_cpu"], "%.2f"), r["quiet_runs"], fmt(r["mpps_quiet"], "%.2f"),
            fmt(r["cyc_self"], "%.0f"), fmt(r["cyc_cpu"], "%.0f"),
            fmt(r["cyc_self_quiet"], "%.0f"),
            fmt(r["cpu_frac"], "%.2f"), fmt(r["wait_frac"], "%.2f"),
            fmt(r["guest_cpu_frac"], "%.2f"), fmt(r["tx_full_pct"], "%.1f"),
            fmt(r["rx_empty_pct"], "%.1f")))
    lines += ["", "ratios of medians, vhostd / other (Mpps: > 1 is vhostd faster; "
              "cycles: < 1 is vhostd cheaper)",
              "%-16s | %-40s | %-40s" % ("", "vhostd / testpmd", "vhostd / OVS"),
              "%-16s | %7s %7s %7s %7s %7s | %7s %7s %7s %7s %7s" % (
                  "scenario", "Mpps", "quiet", "Mpps/C", "cyc", "cycCPU",
                  "Mpps", "quiet", "Mpps/C", "cyc", "cycCPU")]
    for r in rat:
        cols = []
        for o in ("testpmd", "ovs"):
            cols += [fmt(r["%s_%s" % (m, o)], "%.2f") for m in
                     ("mpps", "mpps_quiet", "mpps_cpu", "cyc_self", "cyc_cpu")]
        lines.append("%-16s | %7s %7s %7s %7s %7s | %7s %7s %7s %7s %7s" % tuple([r["scenario"]] +
                                                                            cols))
    lines += ["", "Mpps: the guest's count over the window.  Mpps/C: per second of CPU time "
              "the backend's forwarding thread got.",
              "cyc/pkt: the backend's own busy cycles per packet received; cyc/CPU: that "
              "thread's on-CPU cycles per packet (idle polls included).",
              "oncpu / wait: share of the window the backend thread ran / waited for its CPU; "
              "guest: share the guest's thread ran.",
              "TXfull: guest TX bursts the ring could not take whole (backend-bound); "
              "RXidle: guest RX polls that found nothing."]
    return "\n".join(lines) + "\n"


def plot(resdir, summary, scenarios, systems):
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        log("compare: gnuplot not found (apt-get install gnuplot-nox): no plot")
        return None
    med = {(r["scenario"], r["system"]): r for r in summary}
    cols = ("mpps", "mpps_quiet", "mpps_cpu")
    dat = os.path.join(resdir, "mpps.dat")
    with open(dat, "w") as f:
        f.write("# scenario %s\n" % " ".join("%s_%s" % (s, c) for c in cols for s in systems))
        for sc in scenarios:
            vals = [med[(sc.name, s)][c] for c in cols for s in systems]
            f.write("%s %s\n" % (sc.name, " ".join("NaN" if v is None else "%.4f" % v
                                                    for v in vals)))
    png = os.path.join(resdir, "mpps.png")
    n = len(systems)
    gp = os.path.join(resdir, "mpps.gp")
    titles = ("Mpps measured by the guest: median of all runs (wall clock; shared, noisy 2-CPU VM)",
              "Mpps, median of quiet runs only (both threads on their CPUs >= %d %% of the "
              "window; no bar: no quiet run)" % (QUIET_CPU * 100),
              "Mpps per second of CPU time the backend's forwarding thread got (per-core rate)")
    with open(gp, "w") as f:
        f.write("""set terminal pngcairo size 1200,1300 font ",10"
set output '%s'
set datafile missing 'NaN'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top center horizontal
set xtics rotate by -20 noenhanced
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set ylabel "Mpps"
set multiplot layout 3,1 title "vhostd vs dpdk-testpmd (vhost PMD, io) vs OVS-DPDK 3.1, 1 queue, 1 forwarding core each"
""" % png)
        for k, title in enumerate(titles):
            f.write("set title \"%s\"\n" % title)
            f.write("plot %s\n" % ", ".join(
                "'%s' using %d:xtic(1) title '%s'" % (dat, 2 + k * n + i, s)
                for i, s in enumerate(systems)))
        f.write("unset multiplot\n")
    r = subprocess.run([gnuplot, gp], capture_output=True, text=True)
    if r.returncode != 0:
        log("compare: gnuplot failed: %s" % r.stderr)
        return None
    return png


def write_outputs(resdir, runs, scenarios, systems, meta, more=None):
    """The campaign's table, CSVs, JSON and plot; more(resdir, summary, runs,
    scenarios, systems, meta) adds its own outputs and returns their table."""
    summary = summarize(runs, scenarios, systems)
    rat = ratios(summary, scenarios)
    table = text_table(summary, rat, meta)
    with open(os.path.join(resdir, "table.txt"), "w") as f:
        f.write(table)
    with open(os.path.join(resdir, "summary.json"), "w") as f:
        json.dump(dict(meta=meta, summary=summary, ratios=rat, runs=runs), f, indent=1)
    with open(os.path.join(resdir, "summary.csv"), "w", newline="") as f:
        cw = csv.DictWriter(f, fieldnames=["scenario", "system", "runs", "failed", "mpps_min",
                                           "mpps_max"] + METRICS +
                            ["quiet_runs", "mpps_quiet", "cyc_self_quiet", "cyc_cpu_quiet"])
        cw.writeheader()
        cw.writerows(summary)
    with open(os.path.join(resdir, "ratios.csv"), "w", newline="") as f:
        if rat:
            cw = csv.DictWriter(f, fieldnames=list(rat[0].keys()))
            cw.writeheader()
            cw.writerows(rat)
    png = plot(resdir, summary, scenarios, systems)
    if more is not None:
        table += more(resdir, summary, runs, scenarios, systems, meta)
    print(table)
    log("compare: results in %s%s" % (resdir, " (plot: %s)" % png if png else ""))


def load_runs(resdir):
    """runs.csv of an earlier campaign, numbers as numbers."""
    runs = []
    with open(os.path.join(resdir, "runs.csv")) as f:
        for row in csv.DictReader(f):
            r = {}
            for k, v in row.items():
                if k in ("scenario", "system", "error"):
                    r[k] = v
                elif v not in ("", None):
                    r[k] = float(v)
            if not r.get("error") and "quiet" not in r:
                r["quiet"] = is_quiet(r)
            runs.append(r)
    return runs
