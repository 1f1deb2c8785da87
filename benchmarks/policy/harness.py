"""Training-policy harness for UCR/UEA classification with small Keras models.

Usage:
  KERAS_BACKEND=jax python harness.py --datasets GunPoint ArrowHead \
      --models lstm_fcn --policies P0 P1_1500 P2 --seeds 0 1 [--out results.csv]

Policies (all Adam, clipnorm 1.0, batch = min(16, max(2, n_train // 10))):
  P0        "current": 20% stratified val, ES(val_loss, 30 ep, restore best),
            RLROP(val_loss, 0.5, 7 ep, min lr/64), lr 3e-3, <=200 epochs.
  P1_<S>    dl-4-tsc: all training data, lr 1e-3, S optimizer steps,
            RLROP on epoch training loss (0.5, patience ceil(200/spe) ep, min 1e-4),
            keep weights with lowest epoch training loss.
  P2        val 20% stratified (if every class keeps >=2 fit cases, else P1_3000),
            lr 1e-3, linear warm-up 100 steps, LR halving after 300 steps w/o val
            improvement but only once val_loss < 0.9 * first val_loss (min lr/64),
            early stop after 600 steps w/o improvement (min 1000 steps, max 3000),
            restore best; if n_train < 200 refit on train+val for best_step steps
            replaying the recorded LR trajectory.
  P3_<S>    P1 with 100-step warm-up then cosine decay to lr/100 over S steps,
            lr 1e-3, final weights (no checkpointing, no plateau logic).
Training loop is a hand-written jitted JAX loop over keras stateless_call, so that
LR/patience can be handled per optimizer step.
"""
import argparse
import csv
import math
import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np
import jax
import jax.numpy as jnp
import keras
from keras import layers
from sklearn.model_selection import train_test_split
from aeon.datasets import load_classification

FIELDS = ["dataset", "model", "policy", "seed", "test_accuracy", "train_seconds",
          "steps", "n_train", "batch_size", "final_lr", "note"]


# ----------------------------------------------------------------------------- data
def _znorm(x):  # x: (channels, length)
    m = x.mean(axis=1, keepdims=True)
    s = x.std(axis=1, keepdims=True)
    s[s < 1e-8] = 1.0
    return (x - m) / s


def load(name, norm="series"):
    X, y = load_classification(name, split="train")
    Xt, yt = load_classification(name, split="test")
    classes = np.unique(np.concatenate([y, yt]))
    cmap = {c: i for i, c in enumerate(classes)}
    y = np.array([cmap[c] for c in y], dtype="int32")
    yt = np.array([cmap[c] for c in yt], dtype="int32")
    series = [np.asarray(x, dtype="float64") for x in X] + \
             [np.asarray(x, dtype="float64") for x in Xt]
    lengths = [s.shape[1] for s in series]
    L = max(lengths)
    unequal = min(lengths) != L
    C = series[0].shape[0]
    out = np.zeros((len(series), L, C), dtype="float32")  # zero-padded at the end
    for i, s in enumerate(series):
        out[i, : s.shape[1], :] = (_znorm(s) if norm == "series" else s).T
    n = len(X)
    return out[:n], y, out[n:], yt, len(classes), unequal


# ----------------------------------------------------------------------------- models
def build_model(kind, L, C, k, unequal):
    inp = keras.Input((L, C))
    if kind in ("lstm_fcn", "lstm_fcn_shuffle"):
        if kind == "lstm_fcn_shuffle":
            a = layers.Permute((2, 1))(inp)  # (C, L): LSTM sees C steps of L features
        else:
            a = layers.Masking(0.0)(inp) if unequal else inp
        a = layers.LSTM(8)(a)
        a = layers.Dropout(0.8)(a)
        b = inp
        for f, ks in ((128, 8), (256, 5), (128, 3)):
            b = layers.Conv1D(f, ks, padding="same")(b)
            b = layers.BatchNormalization()(b)
            b = layers.Activation("relu")(b)
        b = layers.GlobalAveragePooling1D()(b)
        h = layers.Concatenate()([a, b])
    elif kind == "stacked_lstm":
        h = layers.Masking(0.0)(inp) if unequal else inp
        h = layers.LSTM(64, return_sequences=True)(h)
        h = layers.Dropout(0.3)(h)
        h = layers.LSTM(64)(h)
        h = layers.Dropout(0.3)(h)
    else:
        raise ValueError(kind)
    out = layers.Dense(k, activation="softmax")(h)
    return keras.Model(inp, out)


# ----------------------------------------------------------------------------- trainer
class Trainer:
    """Jitted stateless train/eval steps; LR is an optimizer variable we overwrite."""

    def __init__(self, model, lr):
        self.model = model
        self.opt = keras.optimizers.Adam(learning_rate=lr, clipnorm=1.0)
        self.opt.build(model.trainable_variables)
        self.lr_idx = [i for i, v in enumerate(self.opt.variables)
                       if v is self.opt._learning_rate][0]
        self.tv = [v.value for v in model.trainable_variables]
        self.ntv = [v.value for v in model.non_trainable_variables]
        self.ov = [v.value for v in self.opt.variables]

        def loss_fn(tv, ntv, x, y):
            p, ntv2 = model.stateless_call(tv, ntv, x, training=True)
            p = jnp.clip(p, 1e-7, 1.0)
            loss = -jnp.mean(jnp.log(jnp.take_along_axis(p, y[:, None], axis=1)))
            return loss, ntv2

        grad_fn = jax.value_and_grad(loss_fn, has_aux=True)
        opt = self.opt

        @jax.jit
        def train_step(tv, ntv, ov, x, y):
            (loss, ntv2), g = grad_fn(tv, ntv, x, y)
            tv2, ov2 = opt.stateless_apply(ov, g, tv)
            return tv2, ntv2, ov2, loss

        @jax.jit
        def predict(tv, ntv, x):
            p, _ = model.stateless_call(tv, ntv, x, training=False)
            return p

        self._train_step = train_step
        self._predict = predict

    def set_lr(self, lr):
        self.ov[self.lr_idx] = jnp.asarray(lr, dtype=self.ov[self.lr_idx].dtype)

    def step(self, x, y):
        self.tv, self.ntv, self.ov, loss = self._train_step(self.tv, self.ntv, self.ov, x, y)
        return loss

    def snapshot(self):  # jax arrays are immutable: references suffice
        return (self.tv, self.ntv)

    def restore(self, snap):
        self.tv, self.ntv = snap

    def proba(self, x, bs=512):
        return np.concatenate([np.asarray(self._predict(self.tv, self.ntv, x[i:i + bs]))
                               for i in range(0, len(x), bs)])

    def loss(self, x, y):
        p = np.clip(self.proba(x), 1e-7, 1.0)
        return float(-np.mean(np.log(p[np.arange(len(y)), y])))


class Batcher:
    """Epoch = ceil(n/bs) full-size batches (permutation topped up with random
    extra indices, so every batch has the same shape -> one compilation)."""

    def __init__(self, n, bs, rng):
        self.n, self.bs, self.rng = n, bs, rng
        self.spe = math.ceil(n / bs)

    def epoch(self):
        idx = self.rng.permutation(self.n)
        extra = self.spe * self.bs - self.n
        if extra:
            idx = np.concatenate([idx, self.rng.choice(self.n, extra, replace=False)])
        return idx.reshape(self.spe, self.bs)


def batch_size_rule(n_train):
    return min(16, max(2, n_train // 10))


def split_val(X, y, seed, min_fit_per_class=2):
    """20% stratified validation; None if some class would keep < min_fit_per_class."""
    try:
        Xf, Xv, yf, yv = train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)
    except ValueError:
        return None
    if np.bincount(yf, minlength=y.max() + 1).min() < min_fit_per_class:
        return None
    return Xf, Xv, yf, yv


# ----------------------------------------------------------------------------- policies
def run_p0(make, X, y, seed, bs):
    sp = split_val(X, y, seed, 1)
    if sp is None:
        raise RuntimeError("P0 split impossible")
    Xf, Xv, yf, yv = sp
    lr0 = 3e-3
    tr = make(lr0)
    rng = np.random.default_rng(seed)
    b = Batcher(len(Xf), bs, rng)
    best, best_snap, wait_es = np.inf, tr.snapshot(), 0
    rl_best, rl_wait, lr = np.inf, 0, lr0
    steps = 0
    for ep in range(200):
        for bi in b.epoch():
            tr.step(Xf[bi], yf[bi]); steps += 1
        vl = tr.loss(Xv, yv)
        if vl < best:
            best, best_snap, wait_es = vl, tr.snapshot(), 0
        else:
            wait_es += 1
        if vl < rl_best - 1e-4:
            rl_best, rl_wait = vl, 0
        else:
            rl_wait += 1
            if rl_wait >= 7 and lr > lr0 / 64 + 1e-12:
                lr = max(lr * 0.5, lr0 / 64); tr.set_lr(lr); rl_wait = 0
        if wait_es >= 30:
            break
    tr.restore(best_snap)
    return tr, steps, lr, f"epochs={ep + 1} spe={b.spe}"


def run_p1(make, X, y, seed, bs, budget):
    lr0 = 1e-3
    tr = make(lr0)
    rng = np.random.default_rng(seed)
    b = Batcher(len(X), bs, rng)
    epochs = math.ceil(budget / b.spe)
    pat = math.ceil(200 / b.spe)
    best, best_snap = np.inf, tr.snapshot()
    rl_best, rl_wait, lr, steps = np.inf, 0, lr0, 0
    for ep in range(epochs):
        ls = []
        for bi in b.epoch():
            ls.append(tr.step(X[bi], y[bi])); steps += 1
        tl = float(np.mean(jax.device_get(ls)))
        if tl < best:
            best, best_snap = tl, tr.snapshot()
        if tl < rl_best - 1e-4:
            rl_best, rl_wait = tl, 0
        else:
            rl_wait += 1
            if rl_wait >= pat and lr > 1e-4 + 1e-12:
                lr = max(lr * 0.5, 1e-4); tr.set_lr(lr); rl_wait = 0
    tr.restore(best_snap)
    return tr, steps, lr, f"epochs={epochs} spe={b.spe} best_train_loss={best:.4f}"


def run_p3(make, X, y, seed, bs, budget, warm=100):
    lr0 = 1e-3
    tr = make(lr0)
    rng = np.random.default_rng(seed)
    b = Batcher(len(X), bs, rng)
    steps = 0
    while steps < budget:
        for bi in b.epoch():
            if steps >= budget:
                break
            if steps < warm:
                lr = lr0 * (steps + 1) / warm
            else:
                t = (steps - warm) / max(1, budget - warm)
                lr = lr0 / 100 + 0.5 * (lr0 - lr0 / 100) * (1 + math.cos(math.pi * t))
            tr.set_lr(lr)
            tr.step(X[bi], y[bi]); steps += 1
    return tr, steps, lr, f"spe={b.spe}"


def run_p2(make, X, y, seed, bs, warm=100, lr_pat=300, es_pat=600, min_steps=1000,
           max_steps=3000, eval_every=10):
    sp = split_val(X, y, seed, 2)
    if sp is None:
        tr, steps, lr, note = run_p1(make, X, y, seed, bs, 3000)
        return tr, steps, lr, "no-val->P1_3000 " + note
    Xf, Xv, yf, yv = sp
    lr0 = 1e-3
    tr = make(lr0)
    rng = np.random.default_rng(seed)
    b = Batcher(len(Xf), bs, rng)
    first = None
    best, best_step, best_snap = np.inf, 0, tr.snapshot()
    cut_allowed, last_improve_lr, lr_scale = False, 0, 1.0
    lr_trace = []
    steps, stop = 0, False
    while not stop:
        for bi in b.epoch():
            lr = lr0 * lr_scale * min(1.0, (steps + 1) / warm)
            tr.set_lr(lr); lr_trace.append(lr)
            tr.step(Xf[bi], yf[bi]); steps += 1
            if steps % eval_every == 0:
                vl = tr.loss(Xv, yv)
                if first is None:
                    first = vl
                if vl < 0.9 * first:
                    cut_allowed = True
                if vl < best - 1e-4:
                    best, best_step, best_snap = vl, steps, tr.snapshot()
                    last_improve_lr = steps
                elif cut_allowed and steps - last_improve_lr >= lr_pat and lr_scale > 1 / 64:
                    lr_scale /= 2; last_improve_lr = steps
                if (steps >= min_steps and steps - best_step >= es_pat) or steps >= max_steps:
                    stop = True
                    break
    search_steps = steps
    note = f"search_steps={search_steps} best_step={best_step} spe={b.spe} best_val={best:.4f} first_val={first:.4f}"
    if len(X) >= 200:
        tr.restore(best_snap)
        return tr, search_steps, lr_trace[best_step - 1], note
    # refit on train+val for best_step steps, replaying LR trajectory
    best_step = max(best_step, eval_every)
    tr = make(lr0)
    b = Batcher(len(X), bs, np.random.default_rng(seed + 1000))
    s = 0
    while s < best_step:
        for bi in b.epoch():
            if s >= best_step:
                break
            tr.set_lr(lr_trace[s]); tr.step(X[bi], y[bi]); s += 1
    return tr, search_steps + s, lr_trace[best_step - 1], note + f" refit_steps={s}"


# ----------------------------------------------------------------------------- main
def done_keys(path):
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {(r["dataset"], r["model"], r["policy"], r["seed"]) for r in csv.DictReader(f)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", nargs="+", required=True)
    ap.add_argument("--models", nargs="+", default=["lstm_fcn"])
    ap.add_argument("--policies", nargs="+", default=["P0", "P1_1500", "P2"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    ap.add_argument("--norm", choices=["series", "none"], default="series",
                    help="series: z-normalise each channel of each series; none: raw values "
                         "(rows get model name suffix '+raw')")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.csv"))
    a = ap.parse_args()
    done = done_keys(a.out)
    new = not os.path.exists(a.out)
    f = open(a.out, "a", newline="")
    w = csv.DictWriter(f, FIELDS)
    if new:
        w.writeheader(); f.flush()
    for ds in a.datasets:
        X, y, Xt, yt, k, unequal = load(ds, a.norm)
        bs = batch_size_rule(len(X))
        for model_kind in a.models:
            for pol in a.policies:
                for seed in a.seeds:
                    mname = model_kind + ("+raw" if a.norm == "none" else "")
                    key = (ds, mname, pol, str(seed))
                    if key in done:
                        continue

                    def make(lr, _s=[0]):
                        keras.utils.set_random_seed(seed * 100 + _s[0]); _s[0] += 1
                        m = build_model(model_kind, X.shape[1], X.shape[2], k, unequal)
                        return Trainer(m, lr)

                    t0 = time.time()
                    if pol == "P0":
                        tr, steps, lr, note = run_p0(make, X, y, seed, bs)
                    elif pol.startswith("P1_"):
                        tr, steps, lr, note = run_p1(make, X, y, seed, bs, int(pol[3:]))
                    elif pol == "P2":
                        tr, steps, lr, note = run_p2(make, X, y, seed, bs)
                    elif pol.startswith("P3_"):
                        tr, steps, lr, note = run_p3(make, X, y, seed, bs, int(pol[3:]))
                    else:
                        raise ValueError(pol)
                    jax.block_until_ready(tr.tv)
                    secs = time.time() - t0
                    acc = float(np.mean(tr.proba(Xt).argmax(1) == yt))
                    row = dict(dataset=ds, model=mname, policy=pol, seed=seed,
                               test_accuracy=round(acc, 4), train_seconds=round(secs, 1),
                               steps=steps, n_train=len(X), batch_size=bs,
                               final_lr=f"{lr:.2e}", note=note)
                    w.writerow(row); f.flush()
                    print(row, flush=True)


if __name__ == "__main__":
    main()
