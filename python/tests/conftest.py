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


def _pg_bin():
    import glob
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL server (initdb + pg_ctl in a temporary folder, a Unix socket
    there only), as tests/pg_server.hpp does; PATHWISE_TEST_POSTGRES_URL names one instead."""
    url = os.environ.get("PATHWISE_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    binary = _pg_bin()
    if not binary:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt install postgresql")
    folder = tempfile.mkdtemp(prefix="pathwise-pypg-")
    root = os.geteuid() == 0

    def as_owner(cmd):
        if root:
            return subprocess.run(["runuser", "-u", "postgres", "--", "sh", "-c", cmd],
                                  capture_output=True).returncode
        return subprocess.run(["sh", "-c", cmd], capture_output=True).returncode

    if root and subprocess.run(["chown", "postgres", folder]).returncode != 0:
        pytest.skip("cannot hand the data folder to the postgres user")
    port = 6432 + os.getpid() % 1000
    if as_owner("'%s/initdb' -D '%s/data' -A trust -U postgres -E UTF8 --no-locale" %
                (binary, folder)) != 0:
        pytest.skip("initdb failed")
    if as_owner("'%s/pg_ctl' -D '%s/data' -w -t 60 -l '%s/server.log' -o \"-k %s -c "
                "listen_addresses='' -p %d\" start" % (binary, folder, folder, folder, port)) != 0:
        pytest.skip("pg_ctl start failed (see %s/server.log)" % folder)
    try:
        yield "host=%s port=%d user=postgres dbname=postgres" % (folder, port)
    finally:
        as_owner("'%s/pg_ctl' -D '%s/data' stop -m immediate" % (binary, folder))
        subprocess.run(["rm", "-rf", folder])
