"""Airline: last 12 months held out, horizon 12, season 12. RMSE on original scale."""
import os, sys, csv
os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np, keras
from aeon.datasets import load_airline
from sklearn.linear_model import Ridge
y = np.asarray(load_airline(), dtype="float64"); H, S, W = 12, 12, 24
tr, te = y[:-H], y[-H:]
rmse = lambda p: float(np.sqrt(np.mean((p - te) ** 2)))
res = {}
res["seasonal_naive"] = rmse(tr[-S:])
ly = np.log(tr)
# direct multi-output ridge on 24-step windows of log values -> next 12 log values (relative to last value)
Xw = np.array([ly[i:i + W] for i in range(len(ly) - W - H + 1)])
Yw = np.array([ly[i + W:i + W + H] for i in range(len(ly) - W - H + 1)])
last = Xw[:, -1:]
for a in [0.1, 1.0]:
    m = Ridge(alpha=a).fit(Xw - last, Yw - last)
    x = ly[-W:]
    res[f"ridge24_log_a{a}"] = rmse(np.exp(m.predict((x - x[-1])[None])[0] + x[-1]))
# LSTM: windows of 24 log values, direct 12-output. target A: level (log, minus last value); B: residual of seasonal naive in log space
def lstm_run(target, seed):
    keras.utils.set_random_seed(seed)
    X = (Xw - last)[..., None]
    snv = np.array([ly[i + W - S:i + W] for i in range(len(Xw))])  # seasonal naive for each window (log)
    T = (Yw - last) if target == "level" else (Yw - snv)
    m = keras.Sequential([keras.Input((W, 1)), keras.layers.LSTM(32), keras.layers.Dense(H)])
    m.compile(keras.optimizers.Adam(1e-3, clipnorm=1.0), "mse")
    m.fit(X, T, epochs=300, batch_size=16, verbose=0)
    x = ly[-W:]
    p = m.predict((x - x[-1])[None, :, None], verbose=0)[0]
    p = p + x[-1] if target == "level" else p + ly[-S:]
    return rmse(np.exp(p))
for tgt in ["level", "residual"]:
    v = [lstm_run(tgt, s) for s in range(3)]
    res[f"lstm32_{tgt}_mean3"] = float(np.mean(v)); res[f"lstm32_{tgt}_seeds"] = str([round(q, 1) for q in v])
for k, v in res.items(): print(k, v)
with open("/tmp/policy/forecast.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["method", "rmse"]); [w.writerow([k, v]) for k, v in res.items()]
