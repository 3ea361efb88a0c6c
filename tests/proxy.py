"""A local nginx running the shipped routing (deploy/nginx) in front of given app servers, for tests and benches.

It renders a minimal main config (one plain-HTTP listener on loopback, temp paths under ``workdir``) that
includes ``deploy/nginx/lot-routing.conf`` and ``deploy/nginx/landbridge-locations.conf`` unchanged, with its own
``landbridge-servers.conf``: what is tested and measured is the routing production uses.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

DEPLOY = Path(__file__).resolve().parents[1] / "deploy" / "nginx"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def render(workdir: Path, port: int, servers: Sequence[str]) -> Path:
    """Write nginx.conf and its includes into ``workdir``; return the main file."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("lot-routing.conf", "landbridge-locations.conf"):
        shutil.copyfile(DEPLOY / name, workdir / name)
    (workdir / "landbridge-servers.conf").write_text(
        "".join(f"server {s} max_fails=3 fail_timeout=10s;\n" for s in servers), encoding="utf-8")
    conf = workdir / "nginx.conf"
    conf.write_text(f"""daemon off;
master_process on;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include lot-routing.conf;
    server {{
        listen 127.0.0.1:{port};
        include landbridge-locations.conf;
    }}
}}
""", encoding="utf-8")
    return conf


def start(workdir: Path, port: int, servers: Sequence[str], *, wait_path: str | None = None) -> subprocess.Popen[bytes]:
    """Start nginx on ``127.0.0.1:port`` (``nginx -t`` first); with ``wait_path``, wait until it answers 200."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (scripts/sysdeps.sh proxy)")
    conf = render(workdir, port, servers)
    check = subprocess.run([binary, "-t", "-p", str(workdir), "-c", str(conf)], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx -t failed: {check.stderr}")
    proc = subprocess.Popen([binary, "-p", str(workdir), "-c", str(conf)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if wait_path is None:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                return proc
            if httpx.get(f"http://127.0.0.1:{port}{wait_path}", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"nginx did not answer on {port}: {(workdir / 'error.log').read_text(errors='replace')}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()  # SIGTERM: fast shutdown
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
