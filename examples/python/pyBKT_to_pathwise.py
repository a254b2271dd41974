# %% [markdown]
# # From pyBKT to Pathwise, in cells
#
# Runs as a script (`PYTHONPATH=build/python /usr/bin/python3 examples/python/pyBKT_to_pathwise.py`)
# or cell by cell in an editor that understands `# %%`. It needs no data files: the log is
# simulated from known parameters, so we can see how well they are recovered.

# %%
import datetime as dt

import pathwise
from pathwise import Model  # the one line a pyBKT user changes

truth = {
    "fractions": {"prior": 0.25, "learn": 0.15, "guess": 0.20, "slip": 0.10},
    "decimals": {"prior": 0.40, "learn": 0.10, "guess": 0.25, "slip": 0.08},
}
df = pathwise.simulate(truth, learners=1000, opportunities=15, seed=7)
print(df.head())

# %% Fit, as in pyBKT
model = Model(seed=42, num_fits=5)
model.fit(data=df)
print(model.params())

# %% How the fit went: log-likelihoods, iterations, convergence, degenerate-fit warnings
print(model.fit_report()[["responses", "log_likelihood", "iterations", "converged", "warnings"]])
for skill, p in model.native.skills().items():
    t = truth[skill]
    print(f"{skill:10s} prior {p['prior']:.3f} (true {t['prior']:.2f})  "
          f"learn {p['learn']:.3f} ({t['learn']:.2f})  guess {p['guess']:.3f} ({t['guess']:.2f})  "
          f"slip {p['slip']:.3f} ({t['slip']:.2f})")

# %% Predict and evaluate
preds = model.predict(data=df, known_after=True)
print(preds[["user_id", "skill_name", "correct", "correct_predictions", "state_predictions",
             "state_after_predictions"]].head())
print("AUC, RMSE, accuracy:", model.evaluate(data=df, metric=["auc", "rmse", "accuracy"]))
print(model.crossvalidate(data=df, folds=5, metric="auc"))

# %% Beyond pyBKT: bounds and fixed values
bounded = Model(bounds={"guess": (0.0, 0.3)}, fixed={"forget": 0.0}).fit(data=df)
print(bounded.params().xs("guesses", level="param"))

# %% The online engine on the model just fitted (an in-memory store; "sqlite:profiles.db" or
# "postgresql://..." for one shared by many processes)
curriculum = {
    "format": "pathwise-curriculum", "version": "1.0",
    "skills": [{"id": "fractions"}, {"id": "decimals", "prerequisites": ["fractions"]}],
    "items": [{"id": f"frac-{i}", "skills": ["fractions"]} for i in range(3)]
             + [{"id": f"dec-{i}", "skills": ["decimals"]} for i in range(3)],
}
engine = pathwise.Engine(curriculum, model, store="memory:")
now = dt.datetime.now(dt.timezone.utc)
for k, correct in enumerate([False, True, True, True]):
    rec = engine.recommend("learner-42", now)
    print(f"{rec.reason:12s} {rec.item:8s} {rec.explanation}")
    engine.record("learner-42", rec.item, correct, now)
    now += dt.timedelta(seconds=30)
print("P(known fractions):", round(engine.mastery("learner-42", "fractions"), 3))
print(engine.class_summary())
