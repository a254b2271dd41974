#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

Seeds come from the project's own examples (tests/data, the JSON blocks of the docs) and from
short slices of the public logs in ../shared/data when that folder is present (a header and a few
rows, or a few three-line records: never a whole file). Every seed is small; re-running the
script rewrites the same files.

    /usr/bin/python3 tests/fuzz/make_corpus.py [--data DIR]
"""
import argparse
import json
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"
MAX_SEED = 4096  # bytes; a slice is cut at a line end below this


def head_lines(path, lines):
    """The first `lines` lines of a file, as bytes, at most MAX_SEED of them."""
    out = b""
    with open(path, "rb") as f:
        for _ in range(lines):
            line = f.readline()
            if not line or len(out) + len(line) > MAX_SEED:
                break
            out += line
    return out


def doc_json_blocks():
    """The ```json blocks of README.md and docs/*.md, and JSON texts quoted in the tests."""
    blocks = []
    for md in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        blocks += re.findall(r"```json\n(.*?)```", md.read_text(), re.S)
    for src in sorted((ROOT / "tests").glob("*_test.cpp")):
        blocks += re.findall(r'R"\((\{.*?\})\)"', src.read_text(), re.S)
    return blocks


def by_format(blocks, fmt):
    return [b for b in blocks if f'"{fmt}"' in b]


class Corpus:
    def __init__(self, target):
        self.dir = OUT / target
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.names = set()

    def add(self, name, content):
        if isinstance(content, str):
            content = content.encode()
        if not content or len(content) > MAX_SEED:
            return
        base, n = name, 2
        while name in self.names:
            name, n = f"{base}-{n}", n + 1
        self.names.add(name)
        (self.dir / name).write_bytes(content)


def log_seeds(data):
    """(name, bytes, formats) for the response-log targets."""
    t = ROOT / "tests" / "data"
    seeds = [
        ("pybkt-planted-bad-rows.csv", (t / "planted_bad_rows.csv").read_bytes(), {"delimited"}),
        ("datashop-small.tsv", (t / "datashop_small.csv").read_bytes(), {"delimited"}),
        ("hmm-small.txt", (t / "hmm_small.txt").read_bytes(), {"hmm"}),
        ("three-line-small.csv", (t / "three_line_small.csv").read_bytes(), {"three_line"}),
        ("semicolon.csv", b"user_id;skill_name;correct\nu1;a;1\nu1;a;0\n", {"delimited"}),
        ("quoted.csv", b'user_id,skill_name,correct\n"u,1","a ""b""",1\nu2,\xe9t\xe9,0\n',
         {"delimited"}),
        ("assistments-scaffolding.csv",
         b"order_id,user_id,skill_name,correct,original,problem_id\n"
         b"2,u1,Area,1,1,p1\n1,u1,Area,0,0,p2\n3,u1,Area,1,1,p1\n", {"delimited"}),
        ("times.csv",
         b"user_id,skill_name,correct,timestamp\nu1,a,1,2006-10-26 09:51:58.0\n"
         b"u1,a,0,2006-10-26T11:51:58.250+02:00\nu1,a,1,1161856318\nu2,a,0,1161856318000\n"
         b"u2,a,1,\nu2,a,1,3000-01-01\n", {"delimited"}),
        ("xapi-lines.jsonl", (ROOT / "examples" / "xapi" / "statements.jsonl").read_bytes(),
         {"xapi"}),
        ("xapi-array.json",
         b'[{"actor":{"mbox":"mailto:a@x"},"object":{"id":"q1","definition":{"extensions":'
         b'{"http://example.org/xapi/skill":["s1","s2"]}}},"result":{"success":true},'
         b'"timestamp":"2006-10-26T09:51:58Z"},\n{"actor":{"openid":"http://o/b"},"object":'
         b'{"id":"q2"},"context":{"extensions":{"http://example.org/xapi/skill":"s1"}},'
         b'"result":{"success":false},"stored":"2006-10-26T09:50:00-01:00"},\n'
         b'{"actor":{"mbox_sha1sum":"ab"},"object":{"objectType":"StatementRef","id":"x"}},'
         b'{"actor":1},[1]]\n', {"xapi"}),
    ]
    if data:
        slices = [("as.csv", 25, "pybkt-as.csv", {"delimited"}),
                  ("ct.csv", 12, "datashop-ct.tsv", {"delimited"}),
                  ("toy_data.txt", 30, "hmm-toy.txt", {"hmm"}),
                  ("assist2009/assist2009_updated_train.csv", 9, "three-line-assist2009.csv",
                   {"three_line"}),
                  ("assist2015/assist2015_train.csv", 9, "three-line-assist2015.csv",
                   {"three_line"})]
        for rel, lines, name, formats in slices:
            path = data / rel
            if path.exists():
                seeds.append((name, head_lines(path, lines), formats))
    return seeds


def write_logs(data):
    seeds = log_seeds(data)
    targets = {"log_auto": None, "log_delimited": "delimited", "log_hmm": "hmm",
               "log_three_line": "three_line", "log_xapi": "xapi"}
    for target, fmt in targets.items():
        c = Corpus(target)
        for name, content, formats in seeds:
            if fmt is None or fmt in formats:
                c.add(name, content)
        # The same texts with a read-options byte first (see response_log_fuzz.cpp).
        for name, content, formats in seeds[:4]:
            if fmt is None or fmt in formats:
                c.add("strict-" + name, b"\x02" + content)
                c.add("pybkt-options-" + name, b"\x07" + content)


def write_documents():
    blocks = doc_json_blocks()
    c = Corpus("curriculum")
    c.add("curriculum-small.json", (ROOT / "tests" / "data" / "curriculum_small.json").read_text())
    for i, b in enumerate(by_format(blocks, "pathwise-curriculum")):
        c.add(f"doc-{i}.json", b)
    c = Corpus("model")
    for i, b in enumerate(by_format(blocks, "pathwise-bkt-model")):
        c.add(f"doc-{i}.json", b)
    c = Corpus("profile")
    c.add("fresh.json", json.dumps(PROFILE_FRESH))
    c.add("practised.json", json.dumps(PROFILE, indent=2))
    for i, b in enumerate(by_format(blocks, "pathwise-learner-profile")):
        c.add(f"doc-{i}.json", b)


PROFILE_FRESH = {"format": "pathwise-learner-profile", "schema_version": 1, "learner": "L1",
                 "responses": 0, "last_response": None, "goals": [], "recent_items": [],
                 "skills": {}}
PROFILE = dict(PROFILE_FRESH, responses=3, last_response=1700000600000, goals=["addition"],
               recent_items=["c1", "a1"],
               skills={"counting": {"p_known": 0.91, "attempts": 2, "correct": 2, "streak": 2,
                                    "last_practice": 1700000000000, "mastered_at": 1700000000000,
                                    "half_life_days": 2.5, "reviews": 1,
                                    "next_review": 1700200000000, "wheel_spinning": False},
                       "addition": {"p_known": 0.3, "attempts": 1, "correct": 0, "streak": 0,
                                    "last_practice": 1700000600000, "mastered_at": None,
                                    "half_life_days": 1.0, "reviews": 0, "next_review": None,
                                    "wheel_spinning": True}})


def write_c_api():
    c = Corpus("c_api")
    # Built-in documents (empty parts), then calls: op, learner, args... (see c_api_fuzz.cpp).
    record = lambda learner, item, correct, hours: bytes([0, learner, item, correct, hours])
    calls = (record(0, 0, 1, 1) + record(0, 1, 0, 2) + bytes([1, 0, 3]) + bytes([2, 0]) +
             bytes([3, 0, 120]) + bytes([1, 0, 24]) + bytes([4, 0]) + bytes([6, 0]) +
             bytes([5, 0]) + bytes([4, 0]))
    c.add("session-built-in", b"\0\0\0" + calls)
    c.add("session-two-learners", b"\0\0\0" + record(1, 2, 1, 5) + record(2, 2, 0, 0) +
          bytes([1, 1, 199, 1, 2, 230]) + bytes([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
    c.add("session-odd-learner", b"\0\0\0" + bytes([0, 250, 3]) + b"x\xc3\xa9y" +
          bytes([0, 1, 0]) + bytes([2, 250, 3]) + b"x\xc3\xa9y")
    configs = ['{"mastery_threshold": 0.95, "store": {"busy_timeout_ms": 2000}, '
               '"engine": {"cache_learners": 0}}',
               '{"conjunctive_update": true, "alternatives": 2, "seed": 7}',
               '{"initial_half_life_days": 0.5, "half_life_growth": 3, "review_threshold": 0.8}']
    for i, cfg in enumerate(configs):
        c.add(f"config-{i}", b"\0\0" + cfg.encode() + b"\0" + calls)
    curriculum = (ROOT / "tests" / "data" / "curriculum_small.json").read_bytes()
    model = json.dumps({"format": "pathwise-bkt-model", "version": "1.0", "skills": {
        s: {"prior": 0.3, "learn": 0.2, "guess": 0.2, "slip": 0.1}
        for s in ["counting", "addition", "multiplication"]},
        "items": {"m1": {"skill": "multiplication", "guess": 0.3, "slip": 0.05}}}).encode()
    c.add("curriculum-small", curriculum + b"\0" + model + b"\0\0" + calls)
    # The _n calls (op 7: sub, learner, ...), one with an id holding NUL.
    c.add("session-n-calls", b"\0\0\0" + bytes([7, 0, 0, 1, 1, 3, 7, 1, 0, 7, 2, 0, 5]) +
          bytes([7, 1, 250, 3]) + b"u\0x" + bytes([7, 0, 0, 250, 3]) + b"a1\0" + bytes([1, 2]) +
          bytes([7, 3, 0]))
    # The log calls (op 8: sub, pick, text): fit report, evaluate, predict, cross-validate.
    rows = b"".join(f"u{l},{'addition' if t % 2 else 'counting'},{(l + t) % 2}\n".encode()
                    for l in range(4) for t in range(4))
    log = bytes([8, 0, 0, len(rows)]) + rows
    c.add("session-log-calls", b"\0\0\0" + log + bytes([8, 1, 0, len(rows)]) + rows +
          bytes([8, 2, 1, len(rows)]) + rows + bytes([8, 3, 0, len(rows)]) + rows)
    options = b'{"read": {"strict": true}, "restarts": 1}'
    c.add("session-log-options", b"\0\0\0" + bytes([8, 0, 200, len(options)]) + options +
          bytes([len(rows)]) + rows)


def write_cli():
    """Arguments one a line. A file argument's first byte picks the file (see cli_fuzz.cpp):
    0 log.csv, 1 model.json, 2 curriculum.json, 3 data, 4 hmm.txt, 5 three.txt, 6 missing,
    7 out; a store argument's: 0 memory:, 1 a sqlite: URL, 2 a plain path, 3 none."""
    c = Corpus("cli")
    engine = ["--curriculum", "2", "--model", "1", "--db", "1", "--learner", "L1"]
    runs = {
        "help": ["--help"], "version": ["--version"], "fit-help": ["fit", "--help"],
        "fit": ["fit", "0", "--restarts", "2", "--json", "-o", "7"],
        "fit-bounds": ["fit", "0", "--bound", "guess=0:0.3", "--fix", "forget=0", "--forgetting",
                       "--skill", "add", "--min-responses", "2", "--quiet"],
        "fit-columns": ["fit", "3", "--format", "delimited", "--learner-col", "u",
                        "--skill-col", "s", "--correct-col", "c", "--order-col", "-",
                        "--strict"],
        "fit-hmm": ["fit", "4", "--format", "hmm", "--skill-sep", "none", "--item-guess-slip"],
        "evaluate": ["evaluate", "--model", "1", "0", "--json", "--skip-unknown-skills"],
        "predict": ["predict", "-m", "1", "5", "--output", "7"],
        "crossvalidate": ["crossvalidate", "--folds", "2", "--restarts", "1", "--json", "0"],
        "record": ["record", *engine, "--item", "a1", "--outcome", "1", "--time",
                   "1700000000000", "--json"],
        "recommend": ["recommend", *engine, "--json"],
        "profile": ["profile", *engine], "export": ["export", *engine],
        "goals": ["goals", *engine, "--set", "add,sub", "--json"],
        "class-summary": ["class-summary", "--curriculum", "2", "--model", "1", "--db", "0"],
        "erase": ["erase", "--db", "1", "--learner", "L1", "--json"],
        "migrate-store": ["migrate-store", "--from", "1", "--to", "2", "--json"],
        "simulate": ["simulate", "--curriculum", "2", "--model", "1", "--policy", "all",
                     "--learners", "4", "--json", "--csv", "7"],
        "usage-errors": ["fit", "--restarts=zero", "--bogus", "0"],
    }
    for name, args in runs.items():
        c.add(name, "\n".join(args))
    c.add("fit-fuzzed-data", "fit\n3\n--json\0user_id,skill_name,correct\nu1,a,1\nu1,a,0\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"),
                    help="folder of the public logs (slices only are written)")
    args = ap.parse_args()
    data = pathlib.Path(args.data)
    if not data.is_dir():
        print(f"note: {data} not found; seeds from the project's own files only")
        data = None
    write_logs(data)
    write_documents()
    write_c_api()
    write_cli()
    for d in sorted(OUT.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
