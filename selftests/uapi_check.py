#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The netlink family has two descriptions, uapi/linux/giantvm.h (C) and
uapi/linux/giantvm.yaml (the kernel's spec format): check they agree on
every command, attribute, counter, state and reason, in order, and on the
limits the policy enforces. Prints TAP."""
import re
import sys

import yaml

top = sys.argv[1] if len(sys.argv) > 1 else "."
header = open(f"{top}/uapi/linux/giantvm.h").read()
spec = yaml.safe_load(open(f"{top}/uapi/linux/giantvm.yaml"))


def c_enum(name, prefix):
    """Entry names of C enum NAME without PREFIX, lower case, dashes."""
    body = re.search(r"enum %s \{(.*?)\};" % name, header, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    names = [e.split("=")[0].strip() for e in body.split(",")]
    return [n[len(prefix):].lower().replace("_", "-")
            for n in names if n.startswith(prefix) and not n.startswith("__")]


def c_define(name):
    return int(re.search(r"#define %s\s+\(?([0-9]+)U?" % name, header).group(1))


def attrs(set_name):
    for s in spec["attribute-sets"]:
        if s["name"] == set_name:
            return s["attributes"]
    raise KeyError(set_name)


def enum_entries(name):
    for d in spec["definitions"]:
        if d["name"] == name:
            return [e["name"] if isinstance(e, dict) else e
                    for e in d["entries"]]
    raise KeyError(name)


def check_of(attr_set, attr):
    return next(a for a in attrs(attr_set) if a["name"] == attr).get("checks", {})


tests = [
    ("commands", [o["name"] for o in spec["operations"]["list"]],
     c_enum("gvm_cmd", "GVM_CMD_")),
    ("attributes", [a["name"] for a in attrs("giantvm")],
     c_enum("gvm_attr", "GVM_A_")),
    ("counters", [a["name"] for a in attrs("stats")],
     c_enum("gvm_stat", "GVM_STAT_")),
    ("region counters", [a["name"] for a in attrs("region-stats")],
     c_enum("gvm_rstat", "GVM_RSTAT_")),
    ("latency buckets", [len(attrs("fault-lat")) - 2,
                         attrs("fault-lat")[2]["value"]
                         if "value" in attrs("fault-lat")[2] else 2],
     [c_define("GVM_LAT_BUCKETS"), c_define("GVM_LAT_FIRST")]),
    ("node states", enum_entries("node-state"),
     c_enum("gvm_node_state", "GVM_NODE_")),
    ("connect modes", enum_entries("connect"),
     c_enum("gvm_connect", "GVM_CONNECT_")),
    ("hello reasons", enum_entries("hello-reason"),
     c_enum("gvm_hello_reason", "GVM_HELLO_")),
    ("family name", [spec["name"]],
     [re.search(r'GVM_GENL_NAME\s+"(\w+)"', header).group(1)]),
    ("events group", [g["name"] for g in spec["mcast-groups"]["list"]],
     [re.search(r'GVM_GENL_MCGRP_EVENTS\s+"(\w+)"', header).group(1)]),
    ("node id limit", [check_of("giantvm", "node-id")["max"] + 1],
     [c_define("GVM_MAX_NODES")]),
    ("name limit", [check_of("giantvm", "name")["max-len"] + 1],
     [c_define("GVM_NAME_MAX")]),
    ("version limit", [check_of("giantvm", "version")["max-len"] + 1],
     [c_define("GVM_VERSION_MAX")]),
    ("heartbeat limits", [check_of("giantvm", "heartbeat-ms")[k]
                          for k in ("min", "max")],
     [c_define("GVM_HEARTBEAT_MS_MIN"), c_define("GVM_HEARTBEAT_MS_MAX")]),
    ("timeout limits", [check_of("giantvm", "timeout-ms")[k]
                        for k in ("min", "max")],
     [c_define("GVM_TIMEOUT_MS_MIN"), c_define("GVM_TIMEOUT_MS_MAX")]),
]

print("TAP version 13")
print(f"1..{len(tests)}")
failed = 0
for i, (what, yml, c) in enumerate(tests, 1):
    if yml == c:
        print(f"ok {i} - uapi spec and header agree: {what}")
    else:
        failed += 1
        print(f"not ok {i} - uapi spec and header disagree: {what}")
        print(f"#   yaml: {yml}")
        print(f"#   C:    {c}")
sys.exit(1 if failed else 0)
