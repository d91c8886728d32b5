#!/usr/bin/env python3
"""Drives a running `patchbay run -p PORT -u PATH` over real TCP and Unix sockets.

Usage: control_socket_test.py PATCHBAY CONFIG

The config is configs/control/live-counters.click: nothing moves until a client says so, so every
value read is exact. The test checks a transcript that covers every reply code (200, 220, 500,
501, 510, 511, 520, 521, 530, 540), DATA framing, continuation lines, many clients at once, a
client that never finishes its line, the Unix socket's mode (0600) and its removal at exit, and
`patchbay ctl` (read, write, list, hotswap, replace). It waits for conditions with bounded polls;
it never asserts a duration.
"""
import os
import socket
import stat
import subprocess
import sys
import tempfile
import time

PATCHBAY, CONFIG = sys.argv[1], sys.argv[2]
failures = []


def check(what, got, want):
    if got != want:
        failures.append(what)
        print(f"FAIL {what}:\n  got:  {got!r}\n  want: {want!r}")
    else:
        print(f"ok   {what}")


class Conn:
    """A raw protocol client that reads exactly one reply per command."""

    def __init__(self, family, addr):
        self.s = socket.socket(family, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect(addr)
        self.buf = b""
        self.transcript = ""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def _bytes(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data.decode()

    def greeting(self):
        line = self._line()
        self.transcript += "S: " + line + "\n"
        return line

    def reply(self, data=False):
        """One reply: its lines (with codes) and, for a successful read, the DATA payload."""
        lines = []
        while True:
            line = self._line()
            lines.append(line)
            self.transcript += "S: " + line + "\n"
            if line[3] == " ":
                break
        if data and lines[-1].startswith("2"):
            header = self._line()
            self.transcript += "S: " + header + "\n"
            payload = self._bytes(int(header.split()[1]))
            self.transcript += "S: " + repr(payload) + "\n"
            lines.append(header)
            lines.append(payload)
        return lines

    def send(self, text):
        shown = repr(text if len(text) <= 80 else text[:60]) + f" ... ({len(text)} bytes)"
        self.transcript += "C: " + shown + "\n"
        self.s.sendall(text.encode() if isinstance(text, str) else text)

    def cmd(self, text, data=False):
        self.send(text)
        return self.reply(data)


def ctl(*args, check_rc=0):
    r = subprocess.run([PATCHBAY, "ctl", *args], capture_output=True, text=True, timeout=60)
    if check_rc is not None and r.returncode != check_rc:
        failures.append(f"ctl {args} exit {r.returncode}")
        print(f"FAIL ctl {args}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def wait_for(what, fn, want, tries=400):
    """Polls fn() (a bounded number of times) until it returns want."""
    got = None
    for _ in range(tries):
        got = fn()
        if got == want:
            break
        time.sleep(0.025)
    check(what, got, want)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


tmp = tempfile.mkdtemp(prefix="pb-control-")
path = os.path.join(tmp, "ctl.sock")
port = free_port()
router = subprocess.Popen([PATCHBAY, "run", "-j", "2", "-p", str(port), "-u", path, CONFIG],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    for _ in range(400):
        if os.path.exists(path) or router.poll() is not None:
            break
        time.sleep(0.025)
    if router.poll() is not None:
        print(router.stderr.read())
        sys.exit("patchbay run exited early")

    # ---- the Unix socket: a socket file only its owner may use ----
    st = os.lstat(path)
    check("unix socket is a socket", stat.S_ISSOCK(st.st_mode), True)
    check("unix socket mode", oct(st.st_mode & 0o777), "0o600")

    # A client that never finishes its line must not hold anyone up.
    slow = Conn(socket.AF_INET, ("127.0.0.1", port))
    check("greeting (slow client)", slow.greeting(), "Click::ControlSocket/1.3")
    slow.send("READ in.cou")

    # ---- the transcript over TCP ----
    c = Conn(socket.AF_INET, ("127.0.0.1", port))
    check("greeting", c.greeting(), "Click::ControlSocket/1.3")
    check("200 READ", c.cmd("READ in.count\r\n", data=True),
          ["200 Read handler 'in.count' OK", "DATA 1", "0"])
    check("200 READ global", c.cmd("GET version\n", data=True),
          ["200 Read handler 'version' OK", "DATA 5", "0.1.0"])
    check("200 WRITE", c.cmd("WRITE src.limit 100\r\n"), ["200 Write handler 'src.limit' OK"])
    check("200 WRITEDATA", c.cmd("WRITEDATA src.limit 3\r\n100"),
          ["200 Write handler 'src.limit' OK"])
    check("200 WRITEUNTIL", c.cmd("WRITEUNTIL src.limit END\r\n100\r\nEND\r\n"),
          ["200 Write handler 'src.limit' OK"])
    check("200 READDATA", c.cmd("READDATA src.limit 0\r\n", data=True),
          ["200 Read handler 'src.limit' OK", "DATA 3", "100"])
    check("200 READUNTIL", c.cmd("READUNTIL q.capacity\r\n\r\n", data=True),
          ["200 Read handler 'q.capacity' OK", "DATA 4", "1000"])
    check("200 CHECKREAD", c.cmd("CHECKREAD in.count\r\n"), ["200 Read handler 'in.count' OK"])
    check("200 CHECKWRITE", c.cmd("CHECKWRITE in.reset\r\n"), ["200 Write handler 'in.reset' OK"])
    help_lines = c.cmd("HELP\r\n")
    check("200 HELP continuation lines",
          (help_lines[0], all(l.startswith("200-") for l in help_lines[:-1]),
           help_lines[-1][:4]),
          ("200-Commands supported:", True, "200 "))
    check("220 warning", c.cmd("WRITE in.reset 5\r\n"),
          ["220-Write handler 'in.reset' OK with warnings:",
           "220 'in.reset' takes no value; '5' was ignored"])
    check("500 syntax", c.cmd("READ\r\n"), ["500 Wrong number of arguments to READ"])
    check("500 bad length", c.cmd("WRITEDATA src.limit ten\r\n"),
          ["500 Syntax error in WRITEDATA: bad length 'ten'"])
    check("500 line too long", c.cmd("READ " + "x" * 70000 + "\r\n"),
          ["500 Line too long (limit 65536 bytes); skipped to its end"])
    check("501 unimplemented", c.cmd("FROBNICATE\r\n"), ["501 Command 'FROBNICATE' unimplemented"])
    check("510 no element", c.cmd("READ nosuch.count\r\n"), ["510 No element named 'nosuch'"])
    check("511 no handler", c.cmd("READ in.nosuch\r\n"), ["511 No handler named 'in.nosuch'"])
    check("511 not readable", c.cmd("CHECKREAD in.reset\r\n"),
          ["511 Handler 'in.reset' not readable"])
    check("520 handler error", c.cmd("WRITE src.rate 0\r\n"),
          ["520-Write handler 'src.rate' error:", "520 must be at least 1"])
    big = 17 << 20  # over the 16 MiB default: refused, and the body is skipped
    c.send(f"WRITEDATA src.limit {big}\r\n")
    c.send(b"7" * big)
    check("521 data too big", c.reply(),
          [f"521 Data too large for WRITEDATA ({big} bytes, limit 16777216)"])
    check("after 521 the session is in sync", c.cmd("READ src.limit\r\n", data=True),
          ["200 Read handler 'src.limit' OK", "DATA 3", "100"])
    check("530 read-only handler", c.cmd("WRITE in.count 1\r\n"),
          ["530 Handler 'in.count' read-only"])
    check("530 read-only to the socket", c.cmd("WRITE patchbay@ctl.readonly false\r\n"),
          ["530 Permission denied for 'patchbay@ctl.readonly' (read-only to the control socket)"])

    # ---- a client that floods commands and never reads its replies ----
    # Its replies pile up to the bound (32 MiB), then its commands wait; nobody else notices.
    hog = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    hog.connect(("127.0.0.1", port))
    hog.setblocking(False)
    flood = b"READ flatconfig\r\n" * 200000
    sent = 0
    for _ in range(2000):
        try:
            sent += hog.send(flood[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.005)
        if sent >= len(flood):
            break
    print(f"flooding client sent {sent} of {len(flood)} bytes")
    check("flooding client got its bytes in (some at least)", sent > 0, True)
    check("others are served while it floods", c.cmd("READ version\r\n", data=True),
          ["200 Read handler 'version' OK", "DATA 5", "0.1.0"])
    served = int(c.cmd("READ patchbay@ctl.commands\r\n", data=True)[2])
    print(f"commands served so far: {served}")
    check("its replies are bounded: most of its commands wait", served < 200000, True)

    # ---- many clients at once, over both sockets ----
    many = []
    for i in range(24):
        if i % 2:
            many.append(Conn(socket.AF_UNIX, path))
        else:
            many.append(Conn(socket.AF_INET, ("127.0.0.1", port)))
    for m in many:
        m.greeting()
        m.send("READ q.length\r\n")
    answers = [m.reply(data=True) for m in many]
    check("24 clients served", answers.count(["200 Read handler 'q.length' OK", "DATA 1", "0"]), 24)
    for m in many:
        check_quit = m.cmd("QUIT\r\n")
        if check_quit != ["200 Goodbye!"]:
            check("QUIT", check_quit, ["200 Goodbye!"])
        m.s.close()

    hog.close()

    # ---- patchbay ctl over the Unix socket and TCP: drive the pipeline ----
    check("ctl read", ctl(path, "read", "in.count", "q.length").stdout,
          "in.count:\n0\nq.length:\n0\n")
    check("ctl write", ctl(str(port), "write", "src.active", "true").returncode, 0)
    wait_for("source ran to its LIMIT", lambda: ctl(path, "read", "in.count").stdout, "100\n")
    check("queue holds them", ctl(path, "read", "q.length").stdout, "100\n")
    check("ctl write drain", ctl(f"127.0.0.1:{port}", "write", "drain.active", "true").returncode, 0)
    wait_for("queue drained", lambda: ctl(path, "read", "out.count").stdout, "100\n")
    check("queue empty", ctl(path, "read", "q.length").stdout, "0\n")
    r = ctl(path, "write", "src.rate", "0", check_rc=1)
    check("ctl write error", r.stderr, "520 Write handler 'src.rate' error:\n520 must be at least 1\n")
    r = ctl(path, "list")
    check("ctl list", r.stdout.splitlines()[:6],
          ["src :: RatedSource", "in :: Counter", "q :: Queue", "drain :: Unqueue",
           "out :: Counter", "Discard@6 :: Discard"])
    check("ctl list q", "length\tr" in ctl(path, "list", "q").stdout, True)
    check("ctl bad address", ctl("/nonexistent/sock", "read", "version", check_rc=2).returncode, 2)

    # ---- hot-swap through the socket, when the router has a hotconfig handler ----
    has_hotconfig = c.cmd("CHECKWRITE hotconfig\r\n") == ["200 Write handler 'hotconfig' OK"]
    if has_hotconfig:
        r = ctl(str(port), "replace", "out", "Counter")
        check("ctl replace", r.stdout, "replaced out with Counter\n")
        check("replace kept the count (take_state)", ctl(path, "read", "out.count").stdout, "100\n")
        good = os.path.join(tmp, "bigger-queue.click")
        with open(CONFIG) as f:
            text = f.read()
        with open(good, "w") as f:
            f.write(text.replace("Queue(CAPACITY 1000)", "Queue(CAPACITY 500)"))
        r = ctl(path, "hotswap", good)
        check("ctl hotswap", r.stdout, f"installed {good}\n")
        check("hotswap changed the parameter", ctl(path, "read", "q.capacity").stdout, "500\n")
        check("hotswap kept the counts", ctl(path, "read", "in.count", "out.count").stdout,
              "in.count:\n100\nout.count:\n100\n")
        bad = os.path.join(tmp, "bad.click")
        with open(bad, "w") as f:
            f.write("src :: NoSuchClass -> Discard;\n")
        r = ctl(path, "hotswap", bad, check_rc=1)
        check("hotswap error names the location",
              r.stderr.startswith("520 Write handler 'hotconfig' error:\n520 hotconfig:1:"), True)
        # The client that was connected across the swaps still talks to the router.
        check("connection survives hot-swaps", c.cmd("READ out.count\r\n", data=True),
              ["200 Read handler 'out.count' OK", "DATA 3", "100"])
    else:
        print("skip hot-swap: the router has no hotconfig handler")

    # The slow client is still connected; finishing its line gets the answer.
    slow.send("nt\r\n")
    check("slow client served after all", slow.reply(data=True),
          ["200 Read handler 'in.count' OK", "DATA 3", "100"])

    # ---- 540 and the end ----
    c.send("WRITE stop\r\nREAD version\r\n")
    check("stop", c.reply(), ["200 Write handler 'stop' OK"])
    check("540 no router", c.reply(), ["540 No router installed"])
    print("--- transcript (TCP client) ---")
    print(c.transcript[:6000])
    rc = router.wait(timeout=30)
    check("router exit status", rc, 0)
    check("unix socket removed at exit", os.path.exists(path), False)
finally:
    if router.poll() is None:
        router.kill()
        router.wait()
    if os.path.exists(path):
        os.unlink(path)
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)

if failures:
    print(f"{len(failures)} failure(s): {failures}")
    sys.exit(1)
print("all checks passed")
