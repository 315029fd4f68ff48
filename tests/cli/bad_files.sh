#!/usr/bin/env bash
# Bad network, dataset and run files (docs/network-files.md), which users write with h5py: one
# file per class of problem (tests/cli/bad_files.py), each refused with exit code 2 and one line
# naming the file, the dataset and the problem, from rank 0 only under mpirun, with nothing
# created or changed. And run files as h5py leaves them: fixed-length ASCII attributes read,
# a checkpoint of the wrong size or with NaN refused, a file another process holds open for
# writing reported as locked, not damaged.
source "$(dirname "$0")/lib.sh"

# A good pair: task B's network (6 neurons) and 5 batches of its trials, as esbio exports them.
"$ESBIO" export --config "$SOURCE_DIR/data/ci/evidence_small.ini" --task.neurons 6 --out net.h5 \
  --data data.h5 --generations 2 --quiet || fail "setup export"
"$PYTHON" "$SOURCE_DIR/tests/cli/bad_files.py" || fail "setup bad files"
printf '[task]\nname = network\nnetwork = net.h5\ndata = data.h5\ntrials = 10\n[es]\npopulation = 4\ngenerations = 2\n' > net.ini
"$ESBIO" train --config net.ini --out good.h5 --quiet || fail "setup run"
check "the good pair trains" test -f good.h5
check "info names the data file and its SHA-256" bash -c "'$ESBIO' info good.h5 | grep -q \"data file     data.h5 ($(stat -c %s data.h5) bytes, sha256 $(sha256sum data.h5 | cut -c1-64))\""
check "info names the embedded network" bash -c "'$ESBIO' info good.h5 | grep -q 'network       6 neurons (morris_lecar) in /network'"
# Every strategy and BP train a file-defined network, in both precisions and on BDF.
for strategy in song openai snes pgpe sep_cmaes cmaes guided; do
  check "task network trains by $strategy" "$ESBIO" train --config net.ini --es.strategy "$strategy" \
    --out "s_$strategy.h5" --quiet
done
check "task network trains by BPTT in float32" "$ESBIO" train --config net.ini --method bp \
  --task.precision float32 --task.dt 0.5 --out bp32.h5 --quiet
check "task network trains by the adjoint on BDF" "$ESBIO" train --config net.ini --method bp \
  --task.integrator bdf --task.trials 2 --out bpbdf.h5 --quiet
rm -f s_*.h5 bp32.h5 bpbdf.h5

net() { # description expected-text file
  expect_bad "network file, $1" "$2" train --config net.ini --task.network "$3" --out new.h5
}
data() { # description expected-text file
  expect_bad "dataset file, $1" "$2" train --config net.ini --task.data "$3" --out new.h5
}
net "not HDF5" "network file 'net_text.h5' is not an HDF5 file" net_text.h5
net "a foreign format" "'net_foreign.h5': / attribute format is 'brian2-network', not 'esbio-network'" net_foreign.h5
net "a newer version" "version is 2, newer than this esbio reads (1): upgrade esbio" net_newer.h5
net "a missing dataset" "'net_no_w.h5': /recurrent/W is missing" net_no_w.h5
net "a misnamed dataset" "'net_misnamed.h5': /recurrent/W is missing" net_misnamed.h5
net "a wrong shape" "/recurrent/W has shape (6, 7) where (6, 6) is needed" net_shape.h5
net "a wrong rank" "/readout/b has shape (3, 1) where (3,) is needed" net_rank.h5
net "a string for a number" "/populations/neurons attribute count is not a number" net_string_count.h5
net "a fraction for a whole number" "attribute count is 6.5: give a whole number" net_fraction_count.h5
net "NaN in a weight" "/recurrent/W holds NaN" net_nan_weight.h5
net "Inf in a parameter" "/populations/neurons attribute gK is +inf" net_inf_param.h5
net "a negative capacitance" "/populations/neurons/C is -20: C (membrane capacitance) must be positive" net_negative_c.h5
net "a negative conductance" "/populations/neurons/gCa is -4: gCa (calcium conductance) must not be negative" net_negative_g.h5
net "a mask that is not 0/1" "/recurrent/mask holds 0.5 at [0, 1]" net_mask.h5
net "an unknown model" "unknown neuron model 'izhikevich'" net_model.h5
net "channels that disagree with the data" "the dataset has 50 input channels where the network's /input/W has 49 rows" net_channels.h5
net "dimensions beyond memory" "/recurrent/W has 4611686018427387904 values" net_huge.h5
data "not HDF5" "dataset file 'data_text.h5' is not an HDF5 file" data_text.h5
data "a foreign format" "'data_foreign.h5': / attribute format is 'tonic', not 'esbio-dataset'" data_foreign.h5
data "a newer version" "version is 7, newer than this esbio reads (1)" data_newer.h5
data "a missing dataset" "'data_no_inputs.h5': /inputs is missing" data_no_inputs.h5
data "a wrong rank" "/inputs has shape (100, 2500) where (trials, steps, channels) is needed" data_rank.h5
data "floats for labels" "/labels holds floating-point numbers where class integers belong" data_float_labels.h5
data "NaN in an input" "/inputs holds NaN at [99, 3, 2]" data_nan_input.h5
data "Inf in an input" "/inputs holds an infinity at [0, 0, 0]" data_inf_input.h5
data "a label out of range" "/labels holds 3 at [5], outside the network's 3 outputs" data_label_range.h5
data "an empty split" "/split leaves no validation trials" data_empty_split.h5
data "channels that disagree with the network" "the dataset has 49 input channels where the network's /input/W has 50 rows" data_channels.h5
data "dimensions beyond memory" "/inputs has trials of 1048576 steps x 1048576 channels" data_huge.h5
data "dt_ms zero" "/ attribute dt_ms must be positive" data_dt.h5
expect_bad "BP on a loss without a gradient" "error_rate has no gradient" train --config net.ini --out new.h5 --method bp --task.loss error_rate
expect_bad "a missing network file" "net_absent.h5" train --config net.ini --task.network net_absent.h5 --out new.h5

# Under mpirun: rank 0 alone speaks, every rank exits 2.
expect_bad_np2 "network file, NaN in a weight" "/recurrent/W holds NaN" train --config net.ini --task.network net_nan_weight.h5 --out new.h5
expect_bad_np2 "dataset file, a label out of range" "/labels holds 3 at [5]" train --config net.ini --task.data data_label_range.h5 --out new.h5
expect_bad_np2 "simulate, a foreign dataset" "not 'esbio-dataset'" simulate --config net.ini --task.data data_foreign.h5 --out sim.h5

# Run files edited with h5py.
cp good.h5 fixed_ascii.h5
"$PYTHON" - <<'PY'
import h5py, numpy as np
with h5py.File("fixed_ascii.h5", "r+") as f:
    def fixed(obj, *_):
        for k, v in list(obj.attrs.items()):
            if isinstance(v, str):
                del obj.attrs[k]
                obj.attrs.create(k, np.bytes_(v.encode()))
    fixed(f)
    f.visititems(lambda name, obj: fixed(obj))
PY
check "info reads fixed-length ASCII attributes" bash -c "'$ESBIO' info fixed_ascii.h5 | grep -q 'task          network'"
check "--resume reads fixed-length ASCII attributes" "$ESBIO" train --out fixed_ascii.h5 --resume --es.generations 3 --quiet
cp good.h5 small_theta.h5
"$PYTHON" -c 'import h5py, numpy as np
with h5py.File("small_theta.h5", "r+") as f:
    for k in ("checkpoint/theta", "checkpoint/optimizer_m", "checkpoint/optimizer_v", "params/theta"):
        del f[k]; f[k] = np.zeros(5)'
cp good.h5 nan_theta.h5
"$PYTHON" -c 'import h5py
with h5py.File("nan_theta.h5", "r+") as f:
    t = f["checkpoint/theta"][()]; t[7] = float("nan"); f["checkpoint/theta"][...] = t'
expect_bad "resume, theta and moments of a wrong but equal size" "its checkpoint's theta has 5 entries where task network as configured has" train --out small_theta.h5 --resume --es.generations 4
expect_bad_np2 "resume, theta and moments of a wrong but equal size" "theta has 5 entries" train --out small_theta.h5 --resume --es.generations 4
expect_bad "resume, NaN in theta" "/checkpoint/theta holds NaN at [7]" train --out nan_theta.h5 --resume --es.generations 4
expect_bad "simulate, NaN in theta" "/checkpoint/theta holds NaN at [7]" simulate --params nan_theta.h5 --out sim.h5
expect_bad "export, NaN in theta" "/checkpoint/theta holds NaN at [7]" export --params nan_theta.h5 --out out_net.h5
cp data.h5 data_changed.h5
"$ESBIO" train --config net.ini --task.data data_changed.h5 --out changed.h5 --quiet || fail "setup changed"
"$PYTHON" -c 'import h5py
with h5py.File("data_changed.h5", "r+") as f:
    x = f["inputs"][()]; x[0, 0, 0] += 1; f["inputs"][...] = x'
expect_bad "resume after the data file changed" "the data file 'data_changed.h5' changed since the run began" train --out changed.h5 --resume --es.generations 4

# A healthy file another process holds open for writing (h5py's "a" mode): locked, not damaged.
mkfifo holder_ready holder_release
"$PYTHON" -c 'import h5py
f = h5py.File("good.h5", "a")
open("holder_ready", "w").close()
open("holder_release").read()' &
holder=$!
cat holder_ready >/dev/null  # returns once the holder has the file open
expect_bad "resume a run file open for writing elsewhere" "'good.h5' is locked by another process" train --out good.h5 --resume --es.generations 4
expect_bad "a network file open for writing elsewhere" "network file 'good.h5' is locked" train --config net.ini --task.network good.h5 --out new.h5
echo >holder_release
wait "$holder"
check "no file names a damaged run" bash -c "! grep -q damaged err.txt"
finish
