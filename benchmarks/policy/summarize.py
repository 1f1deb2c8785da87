import pandas as pd, numpy as np
r = pd.read_csv("results.csv")
d = pd.read_csv("dtw.csv").set_index("dataset")["dtw_1nn_accuracy"] if __import__("os").path.exists("dtw.csv") else pd.Series(dtype=float)
inc = pd.read_csv("incep.csv", header=None, names=["dataset", "it"]).set_index("dataset")["it"]
r["cfg"] = r["model"] + "/" + r["policy"]
t = r.pivot_table(index="dataset", columns="cfg", values="test_accuracy", aggfunc="mean")
n = r.pivot_table(index="dataset", columns="cfg", values="test_accuracy", aggfunc="count")
t["1NN-DTW"] = d.reindex(t.index); t["InceptionTime"] = inc.reindex(t.index)
pd.set_option("display.width", 250); pd.set_option("display.max_columns", 30)
print(t.round(3).T.to_string())
print("\nseeds per cell:\n", n.T.to_string())
s = r.groupby("cfg").agg(mean_acc=("test_accuracy", "mean"), runs=("test_accuracy", "size"),
                         mean_sec=("train_seconds", "mean"), mean_steps=("steps", "mean"))
print(s.round(3).to_string())
# wins/losses vs DTW (per-dataset mean accuracy)
for c in [c for c in t.columns if "/" in c]:
    v = t[[c, "1NN-DTW"]].dropna()
    print(f"{c:28s} vs DTW: W{(v[c] > v['1NN-DTW']).sum()} T{(v[c] == v['1NN-DTW']).sum()} L{(v[c] < v['1NN-DTW']).sum()}  n={len(v)}  mean={v[c].mean():.3f} dtw={v['1NN-DTW'].mean():.3f}")
print("\nstd across seeds:\n", r.pivot_table(index="dataset", columns="cfg", values="test_accuracy", aggfunc="std").round(3).T.to_string())
