#!/usr/bin/env python3
"""Checks that `scripts/test.sh` reuses every dependency the README's demo command built.

`cargo run` and `cargo test` share compiled dependencies only where a dependency gets the same
features in both (the profile name does not matter: `test` inherits `dev`). Dev-dependencies can
turn features on for the tests alone, which changes those crates and everything above them; the
`[dependencies]` of Cargo.toml name such features so both builds agree. This compares the unit
graphs of the two commands (nothing is compiled) and lists the dependencies `cargo test` would
build again. Exit 0 when there are none.

    python3 scripts/check-shared-build.py
"""

import json
import os
import subprocess
import sys


def unit_graph(*args):
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")  # `--unit-graph` is unstable; this only reads it
    output = subprocess.run(
        ["cargo", *args, "--locked", "--unit-graph", "-Z", "unstable-options"],
        check=True, capture_output=True, text=True, env=env,
    ).stdout
    return json.loads(output)["units"]


def identities(units):
    """Each unit's identity: its package, target, mode, features and profile settings, and the
    identities of everything it depends on (a changed dependency changes its dependents)."""
    keys = []
    for unit in units:
        profile = dict(unit["profile"])
        profile.pop("name")
        keys.append(json.dumps([unit["pkg_id"], unit["target"]["name"], unit["target"]["kind"],
                                unit["mode"], sorted(unit["features"]), profile, unit.get("platform")],
                               sort_keys=True))
    memo = {}

    def identity(index):
        if index not in memo:
            deps = sorted(identity(dep["index"]) for dep in units[index]["dependencies"])
            memo[index] = hash((keys[index], tuple(deps)))
        return memo[index]

    return [identity(index) for index in range(len(units))]


def main():
    run = unit_graph("build", "--bin", "gasguard")
    test = unit_graph("test", "--no-run")
    shared = set(identities(test))
    rebuilt = sorted({
        unit["pkg_id"].split("#")[-1]
        for unit, identity in zip(run, identities(run))
        # gasguard's own units are rebuilt whenever its code changes anyway.
        if identity not in shared and unit["mode"] == "build" and unit["target"]["name"] != "gasguard"
    })
    if rebuilt:
        print(f"`cargo test` would build {len(rebuilt)} dependencies of `cargo run` again "
              "(a dev-dependency turns on features they lack in `cargo run`):", file=sys.stderr)
        for name in rebuilt:
            print(f"  {name}", file=sys.stderr)
        print("hint: give the features the tests add to Cargo.toml's [dependencies] too", file=sys.stderr)
        return 1
    print(f"`cargo test` reuses all {len(run)} units `cargo run` builds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
