"""Without numpy and pandas the package still fits, evaluates, saves and runs the engine from
files and plain values (a subprocess hides both modules)."""
import os
import subprocess
import sys
import textwrap


def test_fit_evaluate_save_and_the_engine_work_without_numpy_and_pandas(tmp):
    rows = ["user_id,skill_name,correct,order_id"]
    for learner in range(40):
        for k in range(8):
            rows.append("u%d,s,%d,%d" % (learner, int((learner + k) % 3 != 0), k + 1))
    (tmp / "log.csv").write_text("\n".join(rows) + "\n")
    script = textwrap.dedent("""
        import sys
        sys.modules["numpy"] = None
        sys.modules["pandas"] = None
        import pathwise
        m = pathwise.Model(num_fits=2).fit(data_path="log.csv")
        auc = m.evaluate(data_path="log.csv", metric="auc")
        assert 0.0 <= auc <= 1.0
        assert isinstance(m.coef_["s"]["learns"], list)
        m.save("m.json")
        assert pathwise.Model().load("m.json").native == m.native
        try:
            m.predict(data_path="log.csv")
        except ImportError as e:
            assert "pandas" in str(e)
        else:
            raise AssertionError("predict needs pandas")
        curriculum = {"format": "pathwise-curriculum", "version": "1.0",
                      "skills": [{"id": "s"}], "items": [{"id": "i1", "skills": ["s"]}]}
        e = pathwise.Engine(curriculum, m, options={"check_clock": False})
        e.record("l", "i1", True, 1700000000)
        assert e.recommend("l", 1700000060).skill == "s"
        assert e.class_summary()["learners"] == 1
        print("ok")
    """)
    import pathwise  # the package under test, wherever PYTHONPATH found it
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(pathwise.__file__)))
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp, capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
