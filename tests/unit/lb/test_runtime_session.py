"""RuntimeSession's framing against a stand-in for HAProxy's CLI: the bytes HAProxy 2.6.12 sends
in interactive mode (`prompt` answered `\\n> `, each answer followed by `> `), cut, closed and
held back as a real one may. tests/integration/test_runtime_session.py has the real HAProxy."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.errors import StackError
from harness.lb.haproxy_runtime import HAProxyRuntime, RuntimeSession
from harness.probes import LbProbe

SHOW = (
    b"# pxname,svname,status,check_status\n"
    b"shop,shop-1,UP,L7OK\nshop,shop-2,DOWN 1/2,L4CON\n\n"
)  # what a connection of its own gets: the rows, then the empty line that ends the answer
CLOSE = "close"  # close the connection there
STALL = "stall"  # say nothing more until the test ends

Step = bytes | str
Answer = Callable[[int, str], list[Step]]  # (connection number, command) -> what to send


def whole(text: bytes = SHOW) -> list[Step]:
    return [text + b"> "]


class FakeCli:
    """HAProxy's CLI as far as framing goes: `prompt` is answered `\\n> `, every other command
    line by `answer`; each bytes step is sent as a chunk of its own (a pause between)."""

    def __init__(self, kind: str, where: Path, answer: Answer) -> None:
        if kind == "unix":
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(str(where / "cli.sock"))
            self.address = f"unix:{where / 'cli.sock'}"
        else:
            self._listener = socket.socket()
            self._listener.bind(("127.0.0.1", 0))
            self.address = f"tcp:127.0.0.1:{self._listener.getsockname()[1]}"
        self._listener.listen()
        self.answer = answer
        self.connections = 0
        self.commands: list[tuple[int, str]] = []
        self.ended: list[int] = []  # connections the client closed
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if conn.family != socket.AF_UNIX:  # each chunk a segment of its own (no Nagle)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            n, self.connections = self.connections, self.connections + 1
            self._conns.append(conn)
            t = threading.Thread(target=self._serve, args=(conn, n), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket, n: int) -> None:
        with conn, conn.makefile("rb") as lines:
            for raw in lines:
                line = raw.decode().rstrip("\n")
                self.commands.append((n, line))
                for step in [b"\n> "] if line == "prompt" else self.answer(n, line):
                    if step == CLOSE:
                        return
                    if step == STALL:
                        self._stop.wait()
                        return
                    assert isinstance(step, bytes)
                    try:
                        conn.sendall(step)
                    except OSError:  # the client gave up (a deadline)
                        return
                    time.sleep(0.01)
            self.ended.append(n)

    def stop(self) -> None:
        """HAProxy gone: no more connections, and every open one closed."""
        self._stop.set()
        for sock in [self._listener, *self._conns]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread in accept() or a read
            sock.close()
        for t in self._threads:
            t.join(5)


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Callable[..., FakeCli]]:
    made: list[FakeCli] = []

    def make(answer: Answer, kind: str = "unix") -> FakeCli:
        made.append(FakeCli(kind, tmp_path, answer))
        return made[-1]

    yield make
    for f in made:
        f.stop()


def wait_for(check: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("kind", ["unix", "tcp"])
def test_one_connection_for_every_command_and_the_same_answer(
    cli: Callable[..., FakeCli], kind: str
) -> None:
    fake = cli(lambda n, line: whole(), kind)
    with RuntimeSession(fake.address) as session:
        for _ in range(3):
            assert session.command("show stat shop 4 -1") == SHOW.decode()
        assert [(s.server, s.detail) for s in session.servers("shop")] == [
            ("shop-1", "UP"),
            ("shop-2", "DOWN 1/2"),
        ]
    assert fake.connections == 1
    assert fake.commands == [(0, "prompt")] + [(0, "show stat shop 4 -1")] * 4
    wait_for(lambda: fake.ended == [0])  # close() (the with) closed it


@pytest.mark.parametrize("kind", ["unix", "tcp"])
def test_an_answer_in_several_chunks_is_read_whole(cli: Callable[..., FakeCli], kind: str) -> None:
    """The end is the empty line and the prompt: neither an empty line alone nor `> ` alone."""
    chunks: list[Step] = [SHOW[:9], SHOW[9:30], SHOW[30:-1], b"\n", b"> "]
    fake = cli(lambda n, line: chunks if line.startswith("show") else whole(b"\n"), kind)
    with RuntimeSession(fake.address) as session:
        assert session.command("show stat shop 4 -1") == SHOW.decode()
        assert session.command("set server shop/shop-1 state maint") == "\n"
        assert session.command("show stat shop 4 -1") == SHOW.decode()  # nothing left over
    assert fake.connections == 1


def test_the_fallback_to_the_whole_table_goes_over_the_session(
    cli: Callable[..., FakeCli],
) -> None:
    other = b"# pxname,svname,status,check_status\nshop,shop-1,UP,L7OK\nother,o-1,UP,L7OK\n\n"
    unknown = b"Unknown command. Please enter one of the following commands only :\n\n"
    fake = cli(lambda n, line: whole(other if line == "show stat" else unknown))
    with RuntimeSession(fake.address) as session:
        assert [s.server for s in session.servers("shop")] == ["shop-1"]
    assert fake.commands == [(0, "prompt"), (0, "show stat shop 4 -1"), (0, "show stat")]


def shows(fake: FakeCli, n: int) -> int:
    """How many `show` commands connection n got so far (this one included)."""
    return sum(1 for c, line in fake.commands if c == n and line.startswith("show"))


@pytest.mark.parametrize("kind", ["unix", "tcp"])
@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param([SHOW + b"> ", CLOSE], whole(), id="closed-while-idle"),  # stats timeout
        pytest.param(whole(), [SHOW[:40], CLOSE], id="closed-mid-answer"),  # a killed HAProxy
    ],
)
def test_a_connection_haproxy_closed_is_replaced_once_transparently(
    cli: Callable[..., FakeCli], kind: str, first: list[Step], second: list[Step]
) -> None:
    fake = cli(lambda n, line: whole() if n > 0 else [first, second][shows(fake, 0) - 1], kind)
    with RuntimeSession(fake.address) as session:
        assert session.command("show stat shop 4 -1") == SHOW.decode()
        time.sleep(0.05)  # closed while idle: closed by now
        assert session.command("show stat shop 4 -1") == SHOW.decode()  # on a new connection
        assert session.command("show stat shop 4 -1") == SHOW.decode()
    assert fake.connections == 2


def test_an_answer_cut_short_is_never_read_as_a_whole_one(cli: Callable[..., FakeCli]) -> None:
    """The rows an HAProxy killed mid-answer had sent are not the backend's servers: StackError
    after one new connection, and none of those rows."""
    cut = SHOW[: SHOW.index(b"shop-2")]  # the header and shop-1
    fake = cli(lambda n, line: whole() if (n, shows(fake, n)) == (0, 1) else [cut, CLOSE])
    with RuntimeSession(fake.address) as session:
        assert len(session.servers("shop")) == 2
        with pytest.raises(StackError, match=f"closed after {len(cut)} bytes"):
            session.servers("shop")
    assert fake.connections == 2  # the kept one, then one more


def test_every_answer_has_a_deadline_even_one_that_trickles(cli: Callable[..., FakeCli]) -> None:
    """`timeout` bounds the whole answer, not each read; a late answer on the kept connection
    is not asked again (a second wait), and what it sent is never read as the start of the
    next answer."""
    trickle: list[Step] = [SHOW[i : i + 1] for i in range(len(SHOW) - 1)]  # 10 ms a byte
    fake = cli(lambda n, line: trickle if (n, shows(fake, n)) == (0, 2) else whole())
    session = RuntimeSession(fake.address, timeout=0.3)
    assert session.command("show stat shop 4 -1") == SHOW.decode()
    t = time.monotonic()
    with pytest.raises(StackError, match="timed out") as exc:
        session.command("show stat shop 4 -1")
    assert time.monotonic() - t < 0.75  # the whole trickle takes 0.9 s
    assert "is the stack up?" in (exc.value.hint or "")
    assert fake.connections == 1
    assert session.command("show stat shop 4 -1") == SHOW.decode()  # a new connection
    assert fake.connections == 2
    session.close()


def test_a_stalled_answer_times_out(cli: Callable[..., FakeCli]) -> None:
    fake = cli(lambda n, line: [SHOW[:20], STALL])
    with RuntimeSession(fake.address, timeout=0.2) as session:
        t = time.monotonic()
        with pytest.raises(StackError, match="timed out"):
            session.servers("shop")
        assert time.monotonic() - t < 1.0
    assert fake.connections == 1


def test_haproxy_gone_is_command_s_stack_error_and_back_is_reconnected(
    cli: Callable[..., FakeCli], tmp_path: Path
) -> None:
    fake = cli(lambda n, line: whole())
    session = RuntimeSession(fake.address, timeout=0.3)
    assert session.command("show stat shop 4 -1") == SHOW.decode()
    fake.stop()
    with pytest.raises(StackError) as kept:
        session.command("show stat shop 4 -1")
    with pytest.raises(StackError) as one_shot:
        HAProxyRuntime(fake.address, timeout=0.3).command("show stat shop 4 -1")
    assert str(kept.value) == str(one_shot.value)  # nobody listening: the same words
    assert kept.value.hint == one_shot.value.hint
    (tmp_path / "cli.sock").unlink()
    back = cli(lambda n, line: whole())  # the same address, as after a restart
    assert back.address == fake.address
    assert session.command("show stat shop 4 -1") == SHOW.decode()
    session.close()


def test_a_connection_is_kept_max_age_seconds_at_most(cli: Callable[..., FakeCli]) -> None:
    """A reloaded HAProxy's old process keeps answering on the connections it has."""
    fake = cli(lambda n, line: whole())
    with RuntimeSession(fake.address, max_age=0.5) as session:
        session.command("show stat shop 4 -1")
        session.command("show stat shop 4 -1")
        assert fake.connections == 1
        time.sleep(0.6)
        session.command("show stat shop 4 -1")
        assert fake.connections == 2
    wait_for(lambda: sorted(fake.ended) == [0, 1])


def test_a_server_not_in_interactive_mode_is_a_stack_error(tmp_path: Path) -> None:
    path = tmp_path / "odd.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen()

        def serve() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(100)
                conn.sendall(b"Unknown command.\n\n> ")  # an answer, not the prompt alone

        threading.Thread(target=serve, daemon=True).start()
        with (
            RuntimeSession(f"unix:{path}", timeout=0.5) as session,
            pytest.raises(StackError, match="not with a prompt"),
        ):
            session.command("show stat shop 4 -1")


def test_one_command_a_line() -> None:
    with pytest.raises(ValueError, match="one command, one line"):
        RuntimeSession("unix:/nowhere").command("show stat\nshow info")


def test_the_lb_probe_polls_on_one_connection_and_closes_it_in_stop(
    cli: Callable[..., FakeCli],
) -> None:
    answers = iter([SHOW, SHOW, SHOW.replace(b"DOWN 1/2", b"UP")])
    fake = cli(lambda n, line: whole(next(answers)))
    probe = LbProbe(fake.address, "shop")
    for _ in range(3):
        probe.poll()
    assert probe.errors == 0
    assert [(e.server, e.state, e.previous) for e in probe.events] == [
        ("shop-1", "UP", None),
        ("shop-2", "DOWN", None),
        ("shop-2", "UP", "DOWN"),
    ]
    assert fake.connections == 1
    probe.stop()
    wait_for(lambda: fake.ended == [0])
    fake.stop()
    probe.poll()  # HAProxy gone: counted, as before
    assert probe.errors == 1
