# SPDX-License-Identifier: BSD-3-Clause
"""The scenarios of tools/bench/compare.py that vhost-bench's NDR search
measures (issue 14): what each run does with its guest, and each
scenario's JSON, table and plot.  compare.py starts the backends and the
guest; this file only talks to the guest (vhost-bench's command language)
and formats what came back.

  ndr-RING-LEN    NDR through a loopback uplink: guest -> backend -> net_ring
                  (what is sent on it comes back) -> backend -> guest
  v2v-RING-LEN    NDR guest to guest: two guests, each sending to the other's
                  MAC ("set dstmac peer"), switched by the backend
  lat-RING-LEN    the loopback NDR, then round-trip latency at LAT_SHARES of
                  the NDR this system reached in this run
  2w4g-RING-LEN   the loopback NDR of four guests (one vhost-bench lcore)
                  on two forwarding cores

Every search also reports the first trial, which is unpaced: its received
rate is the path's throughput with loss allowed (thr_mpps).
"""
import json
import os

from harness import Fail    # tests/integration (compare.py puts it on the path)
from summary import METRICS, SEARCH_METRICS, log, ratio

LAT_SHARES = (0.1, 0.5, 0.9)
LAT_PCTS = ("p50", "p99", "p999")
# Latency runs: warm-up (rings fill to their steady state), then counted.
LAT_WARMUP_S = 0.5
# Per share, per percentile: lat10_p50_us, ..., lat90_p999_us (compare.py
# keeps them in runs.csv and takes their medians).
LAT_METRICS = ["lat%d_%s_us" % (round(f * 100), p) for f in LAT_SHARES for p in LAT_PCTS]
assert set(LAT_METRICS) <= set(SEARCH_METRICS)


def run_search(args, guest, sc):
    """vhost-bench's NDR (or PDR) search; returns its report."""
    kind = "pdr" if args.pdr else "ndr"
    if sc.direction == "v2v":
        guest.p.send("set dstmac peer")
    guest.p.send("set pktlen %d; set rate %g; set trial %g; set resolution %g" %
                 (sc.pktlen, args.ndr_max, args.ndr_trial, args.ndr_resolution))
    guest.p.send("pdr %g" % args.pdr if args.pdr else "ndr")
    # At most 64 trials, each with its drain and two stats requests.
    return guest.wait_for_type(kind, 64 * (args.ndr_trial + 3))


def latency_at(args, guest, rate):
    """Round-trip latency at a fixed offered rate (Mpps, all guests)."""
    guest.p.send("set rate %.6f; start latency; sleep %g; clear stats; sleep %g; "
                 "show latency; show stats; stop" % (rate, LAT_WARMUP_S, args.lat_duration))
    lat = guest.wait_for_type("latency", LAT_WARMUP_S + args.lat_duration + 30)
    if not lat["samples"]:
        raise Fail("no latency samples at %.4f Mpps" % rate)
    # What the guest offered: less than asked when its thread was off its
    # CPU longer than the pacer's slack (a loaded machine).
    lat["offered_mpps"] = guest.wait_for_type("stats", 20)["total"]["tx_mpps"]
    return lat


def throughput(obj):
    """Received Mpps of the search's unpaced first trial, if it had one."""
    t = obj["trials"][0] if obj["trials"] else None
    if t is None or t["rate_mpps"] != 0 or not t["secs"]:
        return None
    return t["received"] / t["secs"] / 1e6


def measure(args, system, sc, rundir, be, socks, idle, guest_cls):
    """One run of a search scenario on a started backend."""
    ctl = getattr(be, "ctl_socket", None)   # loss by place: vhostd only
    guest = guest_cls(args, rundir, sc, socks, ["--vhostd-ctl", ctl()] if ctl else [])
    try:
        obj = run_search(args, guest, sc)
        os.makedirs(os.path.join(args.results_dir, "ndr"), exist_ok=True)
        with open(os.path.join(args.results_dir, "ndr", os.path.basename(rundir) + ".json"),
                  "w") as f:
            json.dump(obj, f, indent=1)
        if obj["status"] != "found":
            raise Fail("%s search: %s" % (obj["type"], obj["status"]))
        r = dict(system=system, scenario=sc.name, mpps=obj["rate_mpps"],
                 pkts=sum(t["sent"] for t in obj["trials"]), ndr_trials=obj["nb_trials"],
                 ndr_lost=sum(t["lost"] for t in obj["trials"]), loadavg=os.getloadavg()[0],
                 idle_before=idle, quiet=0, thr_mpps=throughput(obj))
        if sc.direction == "lat":
            for share in LAT_SHARES:
                lat = latency_at(args, guest, share * obj["rate_mpps"])
                for p in LAT_PCTS:
                    r["lat%d_%s_us" % (round(share * 100), p)] = lat[p + "_us"]
                r["lat%d_offered_mpps" % round(share * 100)] = lat["offered_mpps"]
    finally:
        guest.quit()
    for m in METRICS:
        r.setdefault(m, None)
    return r


# ---- outputs ----------------------------------------------------------------

def _rows(summary, sc, systems):
    med = {(r["scenario"], r["system"]): r for r in summary}
    return [med[(sc.name, s)] for s in systems if (sc.name, s) in med]


def fmt(v, spec):
    return "-" if v is None else spec % v


def text_table(summary, scenarios, systems):
    """One table for the search scenarios: NDR, throughput, latency, ratios."""
    lines = ["NDR searches (vhost-bench, %s): medians of the runs; ratio = vhostd / other" %
             "/".join(systems), "",
             "%-18s %-8s %4s %8s %13s %8s %9s %9s" %
             ("scenario", "system", "runs", "NDR", "(min-max)", "thr", "NDR/tp", "NDR/ovs"),
             "%-18s %-8s %4s %8s %13s %8s" % ("", "", "", "Mpps", "Mpps", "Mpps")]
    for sc in scenarios:
        rows = _rows(summary, sc, systems)
        v = next((r for r in rows if r["system"] == "vhostd"), None)
        for r in rows:
            rat = {}
            for o in ("testpmd", "ovs"):
                ro = next((x for x in rows if x["system"] == o), None)
                rat[o] = (ratio(v["mpps"], ro["mpps"]) if v is not None and ro is not None
                          and r["system"] == "vhostd" else None)
            lines.append("%-18s %-8s %4d %8s %13s %8s %9s %9s" % (
                sc.name, r["system"], r["runs"], fmt(r["mpps"], "%.3f"),
                "%s-%s" % (fmt(r["mpps_min"], "%.3f"), fmt(r["mpps_max"], "%.3f")),
                fmt(r.get("thr_mpps"), "%.3f"), fmt(rat["testpmd"], "%.2f"),
                fmt(rat["ovs"], "%.2f")))
    lat = [sc for sc in scenarios if sc.direction == "lat"]
    if lat:
        lines += ["", "round-trip latency (us) at a share of each system's own NDR "
                  "(medians of the runs' percentiles)",
                  "%-18s %-8s %s" % ("scenario", "system", " ".join(
                      "%8s" % ("%d%% %s" % (round(f * 100), p)) for f in LAT_SHARES
                      for p in LAT_PCTS))]
        for sc in lat:
            for r in _rows(summary, sc, systems):
                lines.append("%-18s %-8s %s" % (sc.name, r["system"], " ".join(
                    "%8s" % fmt(r.get(m), "%.1f") for m in LAT_METRICS)))
    return "\n".join(lines) + "\n"


def plot(resdir, sc, rows, load):
    """One PNG per scenario: NDR (and unpaced throughput) per system, or
    the latency percentiles at each share of the NDR."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("compare: python3-matplotlib is not installed (tools/setup-host.sh): no plot")
        return None
    systems = [r["system"] for r in rows]
    if sc.direction == "lat":
        fig, axes = plt.subplots(1, len(LAT_SHARES), figsize=(4 * len(LAT_SHARES), 3.6),
                                 sharey=True)
        # Log scale: the bars start below the smallest value, not at 0.
        every = [r[m] for r in rows for m in LAT_METRICS if r.get(m)] or [1.0]
        for ax, share in zip(axes, LAT_SHARES):
            w = 0.8 / max(1, len(rows))
            for k, r in enumerate(rows):
                vals = [r.get("lat%d_%s_us" % (round(share * 100), p)) or 0 for p in LAT_PCTS]
                ax.bar([i + k * w for i in range(len(LAT_PCTS))], vals, w, label=r["system"])
            ax.set_xticks([i + w * (len(rows) - 1) / 2 for i in range(len(LAT_PCTS))])
            ax.set_xticklabels(LAT_PCTS)
            ax.set_yscale("log")
            ax.set_title("%d %% of own NDR" % round(share * 100))
            ax.grid(axis="y", alpha=0.4)
        axes[0].set_ylim(min(every) / 2, max(every) * 2)     # shared: after every bar
        axes[0].set_ylabel("round trip, us")
        axes[0].legend()
    else:
        fig, ax = plt.subplots(figsize=(6, 3.6))
        x = range(len(rows))
        ndr = [r["mpps"] or 0 for r in rows]
        err = [[(r["mpps"] or 0) - (r["mpps_min"] or 0) for r in rows],
               [(r["mpps_max"] or 0) - (r["mpps"] or 0) for r in rows]]
        ax.bar([i - 0.2 for i in x], ndr, 0.4, yerr=err, capsize=3, label="NDR (min-max)")
        ax.bar([i + 0.2 for i in x], [r.get("thr_mpps") or 0 for r in rows], 0.4,
               label="unpaced, loss allowed")
        ax.set_xticks(list(x))
        # The rows' own systems (one without a result has no bar); a
        # variant's keys under its name ("vhostd+KEY=VALUE").
        ax.set_xticklabels([r["system"].replace("+", "\n+") for r in rows], fontsize=8)
        ax.set_ylabel("Mpps")
        ax.grid(axis="y", alpha=0.4)
        ax.legend()
    fig.suptitle("%s (%d-CPU host, load average %.1f, medians)" % (sc.name, os.cpu_count(), load))
    fig.tight_layout()
    png = os.path.join(resdir, "%s.png" % sc.name)
    fig.savefig(png, dpi=80)
    plt.close(fig)
    return png


def write_outputs(resdir, summary, runs, scenarios, systems, meta):
    """RESULTS/SCENARIO.json and .png per search scenario, and their table."""
    mine = [sc for sc in scenarios if sc.search()]
    if not mine:
        return ""
    for sc in mine:
        rows = _rows(summary, sc, systems)
        loads = [r["loadavg"] for r in runs if r["scenario"] == sc.name and r.get("loadavg")]
        png = plot(resdir, sc, rows, sum(loads) / len(loads) if loads else 0.0)
        with open(os.path.join(resdir, "%s.json" % sc.name), "w") as f:
            json.dump(dict(scenario=sc.name, meta=meta, summary=rows, plot=png,
                           runs=[r for r in runs if r["scenario"] == sc.name]), f, indent=1)
    table = text_table(summary, mine, systems)
    with open(os.path.join(resdir, "search.txt"), "w") as f:
        f.write(table)
    return table
