#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the core's measured cost, the simulator's headline figures
# at 10,240 nodes and the kernel engine's fault latencies (from the VM run
# the Makefile does first, BUILD/bench-kernel.log), printed as a table and
# written to BUILD/bench.json in the format of DESIGN.md §9.
set -eu
B=${1:-build}
"$B/bench/bench_core" >"$B/bench-core.json"
"$B/sim/gvm-sim" --json "$B/sim.json" >"$B/sim.txt"
python3 - "$B" <<'PY'
import json, sys
b = sys.argv[1]
rows = json.load(open(f"{b}/bench-core.json"))
sim = json.load(open(f"{b}/sim.json"))["rows"]

def pick(**kw):
    for r in sim:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    raise SystemExit(f"bench: no simulator row for {kw}")

def add(metric, value, unit):
    rows.append({"engine": "sim", "metric": metric,
                 "value": round(value, 3), "unit": unit})

N = 10240
rnd = pick(nodes=N, workload="random", preset="loopback")
add("msgs_per_read_fault_10240", rnd["msgs_per_read_fault"], "msgs")
add("msgs_per_write_fault_10240", rnd["msgs_per_write_fault"], "msgs")
add("read_fault_hops_10240", max(r["read_fault_hops"] or 0 for r in sim
                                 if r["nodes"] == N), "hops")
one = pick(nodes=N, workload="read-shared", sharers=1, preset="loopback")
for k in (1, 16, 1024, 10239):
    r = pick(nodes=N, workload="read-shared", sharers=k, preset="loopback")
    add(f"write_fault_latency_k{k}_10240", r["write_fault_latency_us"], "us")
for p in ("loopback", "10g", "25g", "100g"):
    a = pick(nodes=N, workload="read-shared", sharers=10239, preset=p)
    o = pick(nodes=N, workload="read-shared", sharers=1, preset=p)
    add(f"write_latency_ratio_k10239_over_k1_{p}",
        a["write_fault_latency_us"] / o["write_fault_latency_us"], "x")
for w in ("private", "migratory", "producer-consumer", "random"):
    r = pick(nodes=N, workload=w, preset="loopback")
    add(f"copyset_total_bytes_per_page_{w}_10240",
        r["copyset_total_bytes_per_page"], "bytes")
add("copyset_resident_bytes_per_page", 16, "bytes")
fail = pick(nodes=N, workload="failure", preset="loopback")
add("failure_msgs_10240", fail["failure_msgs"], "msgs")
add("failure_settle_us_10240", fail["failure_settle_us"], "us")

# The kernel engine's rows, measured in a VM by selftests/kernel/bench_region.
kernel = [json.loads(l.split("GVM-BENCH ", 1)[1])
          for l in open(f"{b}/bench-kernel.log") if "GVM-BENCH {" in l]
if not kernel:
    raise SystemExit(f"bench: no kernel rows in {b}/bench-kernel.log")
rows += kernel

# What tagging every frame costs: the same faults, one vCPU, without and
# with a pre-shared key, in microseconds (each ratio times its own RTT).
k = {r["metric"]: r["value"] for r in kernel}
def us(sfx):
    return k[f"read_fault_over_rtt{sfx}"] * k[f"tcp_rtt_16b_4k_us{sfx}"]
if "read_fault_over_rtt_one_cpu_psk" in k:
    rows.append({"engine": "kernel",
                 "metric": "read_fault_psk_over_plain_one_cpu",
                 "value": round(us("_one_cpu_psk") / us("_one_cpu"), 3),
                 "unit": "x"})

json.dump({"rows": rows}, open(f"{b}/bench.json", "w"), indent=1)
print(f"{'engine':6} {'metric':52} {'value':>10} unit")
for r in rows:
    print(f"{r['engine']:6} {r['metric']:52} {r['value']:>10} {r['unit']}")
print(f"\nwrote {b}/bench.json; the simulator's tables are in {b}/sim.txt")
PY
