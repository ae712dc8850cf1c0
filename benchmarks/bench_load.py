"""Many users at once: server CPU, response time and memory while N sessions open the same view.

Run: .venv/bin/python -m benchmarks.bench_load [--events 1000000] [--sessions 20]

A session here is what a browser tab is to the server: a websocket on /_stcore/stream that
asks for a script run with the URL's query string and reads every message until the run
finishes (Streamlit's own protobuf messages). No browser runs, so what is measured is the
server's work alone: its process CPU time (/proc/PID/stat, every thread), its resident
memory (VmRSS), and how long /_stcore/health takes to answer while the sessions run.

Targets (issue 9): 20 sessions opening the default view of a 1,000,000-event store cost
the server under 2x the CPU of one session; the health endpoint never takes over 1 s;
RSS is back to its baseline +-50 MB once they close.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime of every thread


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def one_session(port: int, query: str = "") -> float:
    """Open a session like a browser tab, run the page once; seconds until the run finished."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    t = time.perf_counter()
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60, ping_interval=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_script_hash = ""
        await ws.send(msg.SerializeToString())
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=600))
            if fm.WhichOneof("type") == "script_finished":
                return time.perf_counter() - t


class HealthProbe(threading.Thread):
    """GET /_stcore/health every 100 ms; the slowest answer is what a user waiting would feel."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.url = f"http://127.0.0.1:{port}/_stcore/health"
        self.stop = threading.Event()
        self.worst = 0.0
        self.count = 0

    def run(self) -> None:
        while not self.stop.is_set():
            t = time.perf_counter()
            try:
                urllib.request.urlopen(self.url, timeout=30).read()
            except OSError:
                pass
            self.worst = max(self.worst, time.perf_counter() - t)
            self.count += 1
            self.stop.wait(0.1)


def build_store(tmp: Path, n: int) -> tuple[Path, Path]:
    from benchmarks.synth import synthetic_events
    from events.datasets import write_dataset

    catalog, data = tmp / "catalog", tmp / "data"
    catalog.mkdir()
    (data / "synthetic").mkdir(parents=True)
    write_dataset(synthetic_events(n, seed=11), data / "synthetic")
    (data / "synthetic" / "manifest.json").write_text(json.dumps(
        {"dataset": "synthetic", "format": "benchmark", "imported": n, "rejected": 0}))
    return catalog, data


def start(catalog: Path, data: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "EVENTS_CATALOG": str(catalog), "EVENTS_DATA": str(data)}
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.serve", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the dashboard did not start")


def stop(proc: subprocess.Popen) -> None:
    """The server asked to end, then killed if it has not within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def measure(pid: int, port: int, sessions: int, query: str) -> dict:
    probe = HealthProbe(port)
    probe.start()
    c0, t0 = cpu_seconds(pid), time.perf_counter()

    async def many():
        return await asyncio.gather(*(one_session(port, query) for _ in range(sessions)))

    times = asyncio.run(many())
    wall = time.perf_counter() - t0
    cpu = cpu_seconds(pid) - c0
    probe.stop.set()
    probe.join()
    return {"sessions": sessions, "cpu_s": cpu, "wall_s": wall, "slowest_s": max(times),
            "median_s": sorted(times)[len(times) // 2], "health_worst_s": probe.worst, "health_probes": probe.count}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--sessions", type=int, default=20)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        catalog, data = build_store(Path(tmp), args.events)
        print(f"store of {args.events:,} synthetic events written in {time.perf_counter() - t:.0f} s")
        port = free_port()
        proc = start(catalog, data, port)
        try:
            pid = proc.pid
            print(f"server started: RSS {rss_mb(pid):,.0f} MB")
            cold = measure(pid, port, 1, "")
            print(f"first session (loads the store, computes the default view): server CPU {cold['cpu_s']:.2f} s, "
                  f"page ran in {cold['slowest_s']:.2f} s; RSS {rss_mb(pid):,.0f} MB")
            one = measure(pid, port, 1, "")
            time.sleep(2)
            base = rss_mb(pid)
            print(f"one more session, same view: server CPU {one['cpu_s']:.2f} s, page ran in "
                  f"{one['slowest_s']:.2f} s; baseline RSS {base:,.0f} MB")
            many = measure(pid, port, args.sessions, "")
            time.sleep(3)
            after = rss_mb(pid)
            print(f"{args.sessions} sessions at once, same view: server CPU {many['cpu_s']:.2f} s = "
                  f"{many['cpu_s'] / max(one['cpu_s'], 1e-9):.1f}x one warm session's, "
                  f"{many['cpu_s'] / max(cold['cpu_s'], 1e-9):.2f}x the first session's "
                  f"(target under 2x one session's); pages ran in median {many['median_s']:.2f} s, "
                  f"slowest {many['slowest_s']:.2f} s")
            print(f"health endpoint while they ran: slowest {many['health_worst_s'] * 1000:.0f} ms over "
                  f"{many['health_probes']} probes (target <= 1000 ms)")
            print(f"RSS after they closed: {after:,.0f} MB ({after - base:+.0f} MB against the baseline; "
                  "target within +-50 MB)")
            distinct = [f"from=2023-0{m}-01&to=2023-0{m}-28" for m in range(1, 9)]

            async def views():
                return [await one_session(port, q) for q in distinct]

            c0 = cpu_seconds(pid)
            asyncio.run(views())
            time.sleep(2)
            print(f"{len(distinct)} distinct views one after another: server CPU {cpu_seconds(pid) - c0:.2f} s; "
                  f"RSS {rss_mb(pid):,.0f} MB ({rss_mb(pid) - base:+.0f} MB against the baseline)")
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
