"""Soak run: `missions-kg serve` under mixed, partly hostile load for a few minutes, with flat memory and no
error on the well-behaved clients.

Usage: python3 bench/soak.py [--minutes M] [--binary PATH]   (from the repository root; see README "Serving the
graph on the web", "Hostile input")
Builds the release binary (unless --binary) and starts `serve` on loopback (`--timeout 5`, defaults otherwise),
then for M minutes (default 5) runs at once:
- well-behaved clients: `wrk` (Debian package) with 8 connections on a stored query, and a Python client that asks
  an entity page, a SPARQL query in JSON and the timeline in turn, one request at a time;
- slow readers: clients that ask a 4 MB answer and read it at 64 KB/s, or read nothing for 45 s (the send
  timeout, 30 s, drops them);
- idle sockets: 100 connections that send nothing, opened again as the server closes them;
- slowloris: 20 connections that send their headers a byte a second;
- heavy queries: from another loopback address (127.0.0.2), six at a time, a query that runs to the timeout,
  again and again (past its share of the slots it gets 503 and waits a second, as Retry-After says); six
  different requests (`&n=` differs), or the server would run one for all six.
The well-behaved clients connect from 127.0.0.1, the slow, idle and slowloris ones from 127.0.0.3, so each group
is one client to the server's per-client share of the query slots.
The load starts on a cold cache: wrk's eight connections ask the same stored query at once, past their
client's share, and must all be answered (identical requests are computed once for all). Every 10 s it samples
the server's resident memory (VmRSS) and open file descriptors. It reports the well-behaved clients' requests,
their errors (non-2xx, socket errors, wrong bodies: there must be none), p50/p99 latency, the memory samples
(first minute's median against the last minute's: flat means within 10 %), and the peak (VmHWM).
Exits 1 when a well-behaved request failed or memory grew by more than 10 %.
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def proc(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024  # MiB
    return 0


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def request(port, target, accept="*/*", timeout=30, source="127.0.0.1"):
    """One GET on a fresh connection; (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0)) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
                  .encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, body


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--binary")
    args = parser.parse_args()
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "missions-kg")
    server = subprocess.Popen([binary, "serve", "--bind", "127.0.0.1:0", "--timeout", "5"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    port = int(re.search(r":(\d+)/", line).group(1))
    pid = server.pid
    end = time.time() + args.minutes * 60
    q = lambda text: urllib.parse.quote(text, safe="")
    stop = threading.Event()
    tally = {"good": 0, "bad": [], "latency": [], "slow_cut": 0, "slow_whole": 0, "heavy": {}}
    lock = threading.Lock()

    def well_behaved():
        targets = [
            ("/id/julien-lacombe", "text/html", b"Julien"),
            ("/sparql?query=" + q("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"), "application/sparql-results+json",
             b'"n"'),
            ("/timeline", "text/html", b"<svg"),
        ]
        i = 0
        while not stop.is_set():
            target, accept, needle = targets[i % len(targets)]
            i += 1
            started = time.time()
            try:
                status, body = request(port, target, accept)
                ok = status == 200 and needle in body
                error = f"{target}: {status}"
            except OSError as e:
                ok, error = False, f"{target}: {e}"
            with lock:
                if ok:
                    tally["good"] += 1
                    tally["latency"].append(time.time() - started)
                else:
                    tally["bad"].append(error)
            time.sleep(0.05)

    big = "/sparql?query=" + q("SELECT * { ?s ?p ?o . ?a ?b ?c } LIMIT 15000")

    def slow_reader(never):
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60,
                                              source_address=("127.0.0.3", 0)) as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
                    s.sendall(f"GET {big} HTTP/1.1\r\nHost: x\r\nAccept: text/tab-separated-values\r\n"
                              "Connection: close\r\n\r\n".encode())
                    got = 0
                    if never:
                        # Past the send timeout (30 s), then see what is left.
                        stop.wait(45)
                        s.settimeout(5)
                        try:
                            while True:
                                chunk = s.recv(1 << 20)
                                if not chunk:
                                    break
                                got += len(chunk)
                        except OSError:
                            pass
                    while not never and not stop.is_set():
                        chunk = s.recv(16384)
                        if not chunk:
                            break
                        got += len(chunk)
                        time.sleep(0.25)
                    with lock:
                        tally["slow_cut" if never else "slow_whole"] += 1
            except OSError:
                time.sleep(0.5)

    def idle_sockets():
        held = []
        while not stop.is_set():
            held = [s for s in held if s.fileno() != -1]
            while len(held) < 100:
                try:
                    held.append(socket.create_connection(("127.0.0.1", port), timeout=5,
                                                         source_address=("127.0.0.3", 0)))
                except OSError:
                    break
            time.sleep(1)
        for s in held:
            s.close()

    def slowloris():
        conns = []
        while not stop.is_set():
            while len(conns) < 20:
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=5,
                                                 source_address=("127.0.0.3", 0))
                    s.sendall(b"GET / HTTP/1.1\r\n")
                    conns.append(s)
                except OSError:
                    break
            alive = []
            for s in conns:
                try:
                    s.sendall(b"X")
                    alive.append(s)
                except OSError:
                    s.close()
            conns = alive
            time.sleep(1)

    def heavy(n):
        slow = "/sparql?query=" + q("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }") + f"&n={n}"
        while not stop.is_set():
            try:
                status, _ = request(port, slow, source="127.0.0.2")
            except OSError:
                status = "socket error"
            with lock:
                tally["heavy"][status] = tally["heavy"].get(status, 0) + 1
            if status == 503:
                stop.wait(1)  # as Retry-After says

    # No answer is asked before the load: wrk's eight connections start
    # together on a cold cache, identical requests from one client (wrk
    # sends no Accept, so asking first with one would not even warm its
    # answer), which the server computes once for all.
    threads = [threading.Thread(target=well_behaved)]
    threads += [threading.Thread(target=slow_reader, args=(n,)) for n in (False, False, True, True)]
    threads += [threading.Thread(target=idle_sockets), threading.Thread(target=slowloris)]
    threads += [threading.Thread(target=heavy, args=(n,)) for n in range(6)]
    for t in threads:
        t.daemon = True
        t.start()
    wrk = subprocess.Popen(["wrk", "-t1", "-c8", f"-d{int(args.minutes * 60)}s", "--latency",
                            f"http://127.0.0.1:{port}/queries/cast"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    samples = []
    while time.time() < end:
        samples.append((time.time(), proc(pid, "VmRSS"), fds(pid)))
        time.sleep(10)
    stop.set()
    wrk_out = wrk.communicate()[0]
    samples.append((time.time(), proc(pid, "VmRSS"), fds(pid)))
    peak = proc(pid, "VmHWM")
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    t0 = samples[0][0]
    print(f"soak: {args.minutes:g} min, serve --timeout 5 on loopback")
    print("memory (MiB, VmRSS) and open descriptors every 10 s:")
    print("  " + ", ".join(f"{int(t - t0)}s {rss}/{fd}" for t, rss, fd in samples))
    first = [rss for t, rss, _ in samples if t - t0 <= 60]
    last = [rss for t, rss, _ in samples if samples[-1][0] - t <= 60]
    growth = statistics.median(last) / max(1, statistics.median(first)) - 1
    print(f"first minute median {statistics.median(first)} MiB, last minute median {statistics.median(last)} MiB "
          f"({growth:+.1%}); peak (VmHWM) {peak} MiB")
    lat = sorted(tally["latency"])
    p = lambda x: lat[min(len(lat) - 1, int(x * len(lat)))] * 1000 if lat else 0
    print(f"well-behaved Python client: {tally['good']} answers, {len(tally['bad'])} failures, "
          f"p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms")
    for failure in tally["bad"][:10]:
        print(f"  failed: {failure}")
    requests = re.search(r"(\d+) requests in", wrk_out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk_out)
    errors = re.search(r"Socket errors: (.*)", wrk_out)
    latency = re.search(r"50%\s+(\S+).*?99%\s+(\S+)", wrk_out, re.S)
    print(f"wrk (8 connections, /queries/cast): {requests.group(1) if requests else '?'} requests, "
          f"non-2xx {non2xx.group(1) if non2xx else 0}, socket errors: {errors.group(1) if errors else 'none'}, "
          f"p50 {latency.group(1) if latency else '?'}, p99 {latency.group(2) if latency else '?'}")
    print(f"slow readers served whole: {tally['slow_whole']}; never-reading clients dropped: {tally['slow_cut']}")
    print(f"heavy queries from 127.0.0.2, by status: {tally['heavy']}")
    failed = bool(tally["bad"]) or bool(non2xx) or bool(errors) or growth > 0.10
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
