#!/usr/bin/env bash
# prism vs PyTorch on the same model, alternating runs (A B A B ...), each at its best thread
# count, medians and ratios.
#
#   bench/side_by_side.sh vit|gpt [--pairs N] [--steps N] [-- extra options for both, e.g. --patch 2]
#
# 1. Builds prism (release) and picks each side's thread setting by short runs; the faster
#    training throughput wins. prism: --threads 1..nproc. PyTorch: every pair of intra-op threads
#    (torch.set_num_threads) and BLAS threads (OPENBLAS_NUM_THREADS / BLIS_NUM_THREADS) in
#    1..nproc, because OpenBLAS's pthread build starts nproc threads of its own whatever
#    torch.set_num_threads says.
# 2. PyTorch's BLAS: Debian's python3-torch uses the libblas.so.3 alternative. If that is BLIS,
#    PyTorch gets BLIS's slow `generic` kernels on this CPU (docs/performance.md). So: when
#    OpenBLAS's pthread build is installed (libopenblas0-pthread) the PyTorch process loads it
#    through LD_LIBRARY_PATH (the system alternative is left alone); otherwise it runs with
#    BLIS_ARCH_TYPE=0 (BLIS's skx AVX-512 kernels). The libraries it mapped are printed.
# 3. Runs N pairs (default 5) alternately and prints each run, the medians and the ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="${1:-}"
[[ "$MODEL" == vit || "$MODEL" == gpt ]] || { echo "usage: $0 vit|gpt [--pairs N] [--steps N] [-- extra]" >&2; exit 2; }
shift
PAIRS=5 STEPS=10 EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) PAIRS="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "$0: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$PAIRS" -ge 1 ] 2>/dev/null || { echo "$0: --pairs $PAIRS: expected >= 1" >&2; exit 2; }

PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
"$PY" -c 'import torch' 2>/dev/null || { echo "$0: $PY cannot import torch (apt-get install python3-torch)" >&2; exit 1; }
"$ROOT/prism" info >/dev/null  # configures and builds build/release on first use
PRISM="$ROOT/build/release/cli/prism"
TORCH_PY="$ROOT/bench/torch/bench_torch.py"

OPENBLAS_DIR=/usr/lib/x86_64-linux-gnu/openblas-pthread
if [ -e "$OPENBLAS_DIR/libblas.so.3" ]; then
  TORCH_ENV=(env "LD_LIBRARY_PATH=$OPENBLAS_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  TORCH_BLAS_NOTE="OpenBLAS (pthread build, via LD_LIBRARY_PATH=$OPENBLAS_DIR)"
else
  TORCH_ENV=(env BLIS_ARCH_TYPE=0)
  TORCH_BLAS_NOTE="the libblas.so.3 alternative ($(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)) with BLIS_ARCH_TYPE=0 (skx kernels); install libopenblas0-pthread to compare against OpenBLAS"
fi

field() { "$PY" -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
run_prism() { "$PRISM" --threads "$1" bench "$MODEL" --steps "$2" --json "${EXTRA[@]}"; }
# run_torch INTRA:BLAS STEPS: torch.set_num_threads(INTRA), BLAS threads BLAS
run_torch() {
  "${TORCH_ENV[@]}" "OPENBLAS_NUM_THREADS=${1#*:}" "BLIS_NUM_THREADS=${1#*:}" \
    "$PY" "$TORCH_PY" "$MODEL" --threads "${1%:*}" --steps "$2" "${EXTRA[@]}"
}

best_threads() {  # best_threads prism|torch -> the setting with the highest training throughput
  local side="$1" best="" best_v=0 n b v settings=()
  for n in $(seq 1 "$(nproc)"); do
    if [ "$side" = prism ]; then settings+=("$n"); else for b in $(seq 1 "$(nproc)"); do settings+=("$n:$b"); done; fi
  done
  for n in "${settings[@]}"; do
    v=$("run_$side" "$n" 3 | field train_samples_per_s)
    if [ "$side" = prism ]; then echo "  prism --threads $n: $v samples/s (short run)" >&2
    else echo "  PyTorch intra-op threads ${n%:*}, BLAS threads ${n#*:}: $v samples/s (short run)" >&2; fi
    if [ -z "$best" ] || "$PY" -c "import sys; sys.exit(0 if $v > $best_v else 1)"; then best=$n best_v=$v; fi
  done
  echo "$best"
}

echo "side by side: $MODEL ${EXTRA[*]}, $PAIRS pairs of $STEPS timed steps; $(date -u '+%F %T UTC')"
echo "PyTorch BLAS: $TORCH_BLAS_NOTE"
PT=$(best_threads prism)
TT=$(best_threads torch)
echo "threads: prism $PT; PyTorch intra-op ${TT%:*}, BLAS ${TT#*:}"

P_TRAIN=() T_TRAIN=() P_INF=() T_INF=() P_MFU=() P_PEAK=() P_RSS=() T_RSS=() T_GF=()
for i in $(seq 1 "$PAIRS"); do
  pj=$(run_prism "$PT" "$STEPS")
  tj=$(run_torch "$TT" "$STEPS")
  P_TRAIN+=("$(echo "$pj" | field train_samples_per_s)"); P_INF+=("$(echo "$pj" | field infer_samples_per_s)")
  T_TRAIN+=("$(echo "$tj" | field train_samples_per_s)"); T_INF+=("$(echo "$tj" | field infer_samples_per_s)")
  P_MFU+=("$(echo "$pj" | field mfu)"); P_PEAK+=("$(echo "$pj" | field sgemm_peak_gflops)")
  P_RSS+=("$(echo "$pj" | field peak_rss_mb)"); T_RSS+=("$(echo "$tj" | field peak_rss_mb)")
  T_GF+=("$(echo "$tj" | field achieved_gflops)")
  [ "$i" = 1 ] && echo "PyTorch mapped: $(echo "$tj" | field blas)"
  printf 'pair %d: prism train %8.2f infer %8.2f samples/s (MFU %.0f%% of %.0f GFLOP/s) | PyTorch train %8.2f infer %8.2f samples/s\n' \
    "$i" "${P_TRAIN[-1]}" "${P_INF[-1]}" "$(echo "${P_MFU[-1]}" | awk '{print 100*$1}')" "${P_PEAK[-1]}" "${T_TRAIN[-1]}" "${T_INF[-1]}"
done

"$PY" - "$MODEL" "${P_TRAIN[*]}" "${T_TRAIN[*]}" "${P_INF[*]}" "${T_INF[*]}" "$(echo "$pj" | field tokens_per_step)" \
  "$(echo "$pj" | field batch)" "${P_MFU[*]}" "${P_PEAK[*]}" "${P_RSS[*]}" "${T_RSS[*]}" "${T_GF[*]}" <<'PYEOF'
import statistics, sys
model, pt, tt, pi, ti, tok, batch, mfu, peak, prss, trss, tgf = sys.argv[1:]
pt, tt, pi, ti, mfu, peak, prss, trss, tgf = ([float(v) for v in s.split()]
                                              for s in (pt, tt, pi, ti, mfu, peak, prss, trss, tgf))
tpr = float(tok) / float(batch)  # tokens per sample
med = statistics.median
ratios = [a / b for a, b in zip(pt, tt)]
print(f"median training:  prism {med(pt):.2f} samples/s ({med(pt) * tpr:.0f} tokens/s), "
      f"PyTorch {med(tt):.2f} samples/s ({med(tt) * tpr:.0f} tokens/s); ratio of medians {med(pt) / med(tt):.2f}x, "
      f"median of per-pair ratios {med(ratios):.2f}x")
print(f"median inference: prism {med(pi):.2f} samples/s, PyTorch {med(ti):.2f} samples/s; ratio {med(pi) / med(ti):.2f}x")
print(f"prism MFU: median {100 * med(mfu):.1f}% (per run {', '.join(f'{100 * m:.0f}%' for m in mfu)}) "
      f"of the sgemm peak measured in each run (median {med(peak):.0f} GFLOP/s)")
print(f"PyTorch achieved {med(tgf):.0f} GFLOP/s of model FLOPs: {med(tgf) / med(peak):.0%} of prism's median peak")
print(f"peak resident memory: prism {med(prss):.0f} MB, PyTorch {med(trss):.0f} MB")
PYEOF
