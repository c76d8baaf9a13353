#!/usr/bin/env bash
# Measures what `gasguard baseline --store` costs in git (figures in bench/README.md):
#   1. the demo suite scaled to about 100,000 calls: the full report (`gasguard run`) against the
#      stored report (no per-call records);
#   2. a store branch after 100 stored commits, each commit changing the loop's argument so every
#      report really differs, packed (`git gc --aggressive`) in a bare clone of that branch only.
#
#   bench/store-size.sh            uses target/debug/gasguard (build it first)
#   GASGUARD=path bench/store-size.sh
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
gasguard="${GASGUARD:-$root/target/debug/gasguard}"
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git_() { git -c user.name=bench -c user.email=bench@example.com -c init.defaultBranch=main "$@"; }

repo="$work/repo"
mkdir -p "$repo"
cp -R "$root/fixtures/artifacts/foundry/out" "$repo/out"
# The demo config, artifacts beside it, and `repeat` on steps that can run any number of times.
python3 - "$root/fixtures/demo/gasguard.toml" "$repo/gasguard.toml" "${REPEAT:-14300}" <<'PY'
import re, sys
source, target, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(source).read().replace('"../artifacts/foundry/out"', '"out"')
repeatable = {
    ('set(uint256,uint256)', '["1", "43"]'), ('run(uint256)', '["10"]'), ('increment()', None),
    ('bump(uint256)', '["5"]'), ('approve(address,uint256)', '["carol", "500"]'),
    ('getLatestAnalysis(address)', '["target"]'), ('getAnalysisCount(address)', '["target"]'),
}
steps = text.split("[[scenario.step]]")
out = [steps[0]]
for step in steps[1:]:
    function = re.search(r'function = "([^"]+)"', step)
    args = re.search(r'args = (\[[^\]]*\])', step)
    key = (function.group(1) if function else None, args.group(1) if args else None)
    if key in repeatable and "repeat" not in step and "expect" not in step:
        repeatable.discard(key)
        step = step.replace(function.group(0), f"{function.group(0)}\nrepeat = {repeat}", 1)
    out.append(step)
open(target, "w").write("[[scenario.step]]".join(out))
PY
git_ -C "$repo" init --quiet
git_ -C "$repo" add .
git_ -C "$repo" commit --quiet -m suite
"$gasguard" --quiet run --config "$repo/gasguard.toml" --out "$work/full.json" >/dev/null
calls="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["calls"]))' "$work/full.json")"
(cd "$repo" && "$gasguard" --quiet baseline --store)
head="$(git -C "$repo" rev-parse HEAD)"
stored="$(git -C "$repo" cat-file -s "gasguard-baseline:reports/$head.json")"
echo "suite: $calls calls; full report $(wc -c <"$work/full.json") bytes; stored report $stored bytes"

# 100 commits of a small suite (the stored report has the same entries whatever `repeat` is).
history="$work/history"
mkdir -p "$history"
cp -R "$root/fixtures/artifacts/foundry/out" "$history/out"
sed 's#"../artifacts/foundry/out"#"out"#' "$root/fixtures/demo/gasguard.toml" >"$history/gasguard.toml"
git_ -C "$history" init --quiet
for n in $(seq 1 100); do
  # The loop's argument changes the gas of `run(uint256)` on every commit.
  sed -i "s#^args = \\[\"100\"\\]\$#args = [\"$((100 + n))\"]#; s#^args = \\[\"$((99 + n))\"\\]\$#args = [\"$((100 + n))\"]#" "$history/gasguard.toml"
  git_ -C "$history" add .
  git_ -C "$history" commit --quiet -m "commit $n"
  (cd "$history" && "$gasguard" --quiet baseline --store)
done
git_ clone --quiet --bare --single-branch --branch gasguard-baseline "file://$history" "$work/store.git"
git -C "$work/store.git" gc --quiet --aggressive --prune=now
reports="$(git -C "$work/store.git" ls-tree --name-only gasguard-baseline reports/ | wc -l)"
distinct="$(git -C "$work/store.git" ls-tree gasguard-baseline reports/ | awk '{print $3}' | sort -u | wc -l)"
pack="$(du -cb "$work/store.git"/objects/pack/*.pack | tail -1 | cut -f1)"
echo "store branch: $reports reports ($distinct distinct), $(git -C "$work/store.git" rev-list --count gasguard-baseline) commits; packed $pack bytes"
