"""The load balancer of the production profile: nginx in front of several web apps.

Debian's ``nginx`` package, run in the foreground by the stack with a configuration written
under the var dir. Requests go to the web apps in turn; a web app that refuses the connection
(stopped, restarting) is skipped for that request and left alone for a few seconds, and the
request goes to the next one (nothing was sent, so nothing is done twice). Server-sent events
and long answers pass unbuffered.
"""

from __future__ import annotations

import shutil
from pathlib import Path

NGINX = ("nginx", "/usr/sbin/nginx")


class Missing(RuntimeError):
    """nginx is not installed (the message says how to install it)."""


def binary() -> str:
    for candidate in NGINX:
        found = shutil.which(candidate)
        if found:
            return found
    raise Missing("the production profile's load balancer is nginx, which is not installed: "
                  "apt-get install nginx (Debian's package)")


def config(prefix: Path, host: str, port: int, upstreams: list[int]) -> str:
    """nginx.conf: listen on ``host:port``, pass to the web apps on ``upstreams``."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;"
                        for p in upstreams)
    temp = {name: prefix / "tmp" / name for name in
            ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return f"""# Written by bot.tools.balancer for this run; not edited by hand.
worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log stderr warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    server_tokens off;

    upstream web_apps {{
{servers}
        keepalive 16;
    }}

    server {{
        listen {host}:{port};
        # the web apps' own limits answer too-large bodies in Thai; LINE images are <= 10 MB,
        # kept in memory (no temporary file an unprivileged worker could not write)
        client_max_body_size 12m;
        client_body_buffer_size 12m;

        location / {{
            proxy_pass http://web_apps;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # refused or reset before an answer: the next web app (nginx never retries a
            # request a web app may have read: a POST is passed on only when none did)
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 120s;
            proxy_buffering off;
        }}
    }}
}}
"""


def write_config(prefix: Path, host: str, port: int, upstreams: list[int]) -> Path:
    """Write the configuration (and nginx's temporary folders) under ``prefix``."""
    for folder in ("tmp/client_body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (prefix / folder).mkdir(mode=0o700, parents=True, exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(config(prefix, host, port, upstreams), encoding="utf-8")
    return path
