"""Shared fixtures: the CLI built beside the module, the public logs, a scratch folder."""
import json
import os
import subprocess
import tempfile

import pytest

DATA = os.environ.get("PATHWISE_DATA_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "shared", "data")


def data_file(*parts):
    """Path of a public log, or pytest.skip with the reason when it is absent."""
    path = os.path.join(DATA, *parts)
    if not os.path.exists(path):
        pytest.skip("public log %s not found (../shared/data is not beside the checkout)" % path)
    return path


@pytest.fixture
def cli():
    """Runs the pathwise CLI with --json --quiet and returns the parsed output."""
    exe = os.environ.get("PATHWISE_CLI")
    if not exe or not os.path.exists(exe):
        pytest.skip("the pathwise CLI was not built (PATHWISE_CLI unset)")

    def run(*args):
        out = subprocess.run([exe, *args, "--json", "--quiet"], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)
    return run


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


@pytest.fixture(scope="session")
def scratch():
    base = os.environ.get("PATHWISE_TEST_TMP")
    if base:
        os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(dir=base or None)
