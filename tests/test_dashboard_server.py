"""The dashboard's server started for real: the request body limit and the IPv6 loopback.

Each test runs ``borderflow serve`` in a subprocess on a free port and talks HTTP to it.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from borderflow.interfaces.web.app import MAX_REQUEST_BYTES
from borderflow.interfaces.web.requests import bind_address

CALLBACK = "/_dash-update-component"


@dataclass
class Server:
    """A running dashboard: where it listens, and what it printed once stopped."""

    address: str
    port: int
    output: str = ""

    @property
    def url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}/"

    def connect(self, timeout: float = 10) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.address, self.port, timeout=timeout)


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def free_port(address: str) -> int:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(host: str, timeout: float = 60.0) -> Iterator[Server]:
    """``borderflow serve --host HOST`` on a free port until the block ends."""
    server = Server(bind_address(host), 0)
    server.port = free_port(server.address)
    code = "from borderflow.interfaces.cli import main; main()"
    cmd = [sys.executable, "-c", code, "serve", "--host", host, "--port", str(server.port)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        deadline = time.monotonic() + timeout
        while not _answers(server.url + "_dash-layout"):
            if proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                raise RuntimeError(f"the dashboard stopped (code {proc.returncode}):\n{out}")
            assert time.monotonic() < deadline, f"the dashboard did not answer in {timeout} s"
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            server.output = proc.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            server.output = proc.communicate(timeout=10)[0]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def local() -> Iterator[Server]:
    with serving("127.0.0.1") as server:
        yield server


def test_a_body_declared_too_large_is_refused_with_413_before_it_is_sent(local: Server) -> None:
    conn = local.connect(timeout=5)
    started = time.monotonic()
    conn.putrequest("POST", CALLBACK)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(50_000_000))
    # Only the first kilobyte is sent: a server reading the body would wait past the timeout.
    conn.endheaders(b"{" + b" " * 1023)
    response = conn.getresponse()
    assert response.status == 413
    assert time.monotonic() - started < 2
    conn.close()


def post(server: Server, size: int, chunked: bool) -> int:
    """The status of a POST of ``size`` bytes (not valid JSON) to the callback address."""
    body = b"{" + b" " * (size - 1)
    headers = {"Content-Type": "application/json"}
    conn = server.connect()
    try:
        if chunked:
            parts = (body[i : i + 4096] for i in range(0, len(body), 4096))
            conn.request("POST", CALLBACK, body=parts, headers=headers, encode_chunked=True)
        else:
            conn.request("POST", CALLBACK, body=body, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["with a length", "in chunks"])
def test_a_body_reaching_the_limit_is_refused_with_413_and_one_below_is_read(
    local: Server, chunked: bool
) -> None:
    assert post(local, MAX_REQUEST_BYTES, chunked) == 413
    assert post(local, 20 * MAX_REQUEST_BYTES, chunked) == 413
    # One byte less reaches the callback, which finds it is not JSON.
    assert post(local, MAX_REQUEST_BYTES - 1, chunked) == 400
    assert _answers(local.url)


@pytest.mark.parametrize("host", ["[::1]", "::1"])
def test_the_dashboard_listens_on_the_ipv6_loopback(host: str) -> None:
    if not has_ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback")
    with serving(host) as server:
        assert server.address == "::1"
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert response.status == 200
            assert b"borderflow dashboard" in response.read()
    assert f"http://[::1]:{server.port}/" in server.output
