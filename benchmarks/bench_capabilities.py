"""Platform capability figures: OCR per ID-card image, and Q&A latency for a single client.

    .venv/bin/python -m benchmarks.bench_capabilities [--images 20] [--requests 1000] [--pairs 3]

- **OCR median per image**: synthetic ID-card photos (`simulators.id_card_images`), read and parsed
  in process with the platform's engine settings, interleaved image by image with the baseline,
  rapidocr-onnxruntime with its default settings (upscaling detection input, angle classifier on)
  doing the same work on the same image. Field accuracy is reported for both.
- **Q&A single client**: `POST /api/v1/capabilities/qa/ask`, HMAC-SM3 signed as a partner, against
  `services.cli serve` as `make run` starts it; p50/p99 of `--requests` sequential requests (questions
  cycled from the held-out set) interleaved A B A B with the bare `GET /api/v1/_bench/ping`.

Uses its own database `ops_bench_cap` (dropped and recreated); demo data is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

os.environ["YKT_OPS_DATABASE"] = DATABASE = "ops_bench_cap"

import httpx
import sqlalchemy as sa
import yaml

from benchmarks._report import readme_line, summary, write
from yikatong.settings import REPO_ROOT, get_settings

FIELDS = ("name", "sex", "ethnicity", "birth", "address", "id_number")
ASK = "/api/v1/capabilities/qa/ask"
HELD_OUT = REPO_ROOT / "tests" / "capabilities" / "kb_heldout.yaml"


def ocr_figures(count: int) -> dict:
    from rapidocr_onnxruntime import RapidOCR

    from services.capabilities import id_card, images, ocr
    from simulators import id_card_images

    default = RapidOCR()

    def baseline(rgb):
        result, _ = default(rgb[:, :, ::-1])
        boxes = []
        for corners, text, score in result or []:
            ys = [p[1] for p in corners]
            boxes.append(ocr.TextBox(min(p[0] for p in corners), min(ys), max(ys) - min(ys), text, score))
        return boxes

    engines = {"platform": ocr.read_text, "baseline_default_rapidocr": baseline}
    samples = [id_card_images.sample(1000 + i) for i in range(count + 1)]
    times: dict[str, list[float]] = {name: [] for name in engines}
    right = dict.fromkeys(engines, 0)
    for n, (holder, data) in enumerate(samples):
        rgb = images.decode(data, images.ID_CARD)
        for name, read in engines.items():
            started = time.perf_counter()
            found = id_card.parse(read(rgb))
            seconds = time.perf_counter() - started
            if n == 0:
                continue  # warm-up: models load
            times[name].append(seconds)
            right[name] += sum(getattr(found, f) == getattr(holder, f) for f in FIELDS)
        print(f"  image {n}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items() if v), flush=True)
    figures = {
        name: summary(times[name]) | {"field_accuracy": round(right[name] / (count * len(FIELDS)), 4)}
        for name in engines
    }
    figures["ratio_median"] = round(
        figures["platform"]["median_s"] / figures["baseline_default_rapidocr"]["median_s"], 2
    )
    figures["images"] = count
    return figures


def prepare_database() -> tuple[str, str]:
    """A fresh `ops_bench_cap` with one partner allowed to ask; returns its ID and secret."""
    from services import migrations
    from services.capabilities import credentials
    from yikatong import db

    db.ensure_databases(("postgres",))
    admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{DATABASE}" with (force)'))
    admin.dispose()
    migrations.upgrade(DATABASE)
    secret = credentials.new_secret()
    with db.engine(DATABASE).begin() as conn:
        conn.execute(
            sa.text(
                "insert into capability_partner (partner_id, name, region_code, scopes, status,"
                " credential, registered_by, created_at, updated_at) values ('bench', '压测系统',"
                " '511100', '{qa}', '启用', :credential, 'bench', now(), now())"
            ),
            {"credential": credentials.seal(secret, "bench")},
        )
    return "bench", secret


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "YKT_OPS_DATABASE": DATABASE, "YKT_API_PORT": str(port)}
    log = (get_settings().home / "bench-capabilities-api.log").open("w")
    command = [sys.executable, "-m", "services.cli", "serve"]
    proc = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/ready", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGTERM)
    raise RuntimeError("API 未能启动 / the API did not become ready (see bench-capabilities-api.log)")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def qa_figures(requests: int, pairs: int) -> dict:
    from services.capabilities.partner_auth import sign_headers

    partner_id, secret = prepare_database()
    questions = [q for q, _ in yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))]
    port = free_port()
    proc = start_server(port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:

            def ask(n: int) -> None:
                body = json.dumps({"question": questions[n % len(questions)]}, ensure_ascii=False).encode()
                headers = sign_headers(partner_id, secret, "POST", ASK, body) | {
                    "Content-Type": "application/json"
                }
                response = client.post(ASK, content=body, headers=headers)
                assert response.status_code == 200, response.text[:300]

            def ping(_: int) -> None:
                assert client.get("/api/v1/_bench/ping").status_code == 200

            def block(call) -> list[float]:
                out = []
                for n in range(requests):
                    started = time.perf_counter()
                    call(n)
                    out.append((time.perf_counter() - started) * 1000)
                return out

            for call in (ping, ask):  # warm-up: both workers load jieba and the index, pools open
                for n in range(100):
                    call(n)
            runs: dict[str, list[dict]] = {"baseline_ping": [], "qa_ask": []}
            for _ in range(pairs):
                for name, call in (("baseline_ping", ping), ("qa_ask", ask)):
                    samples = block(call)
                    runs[name].append(
                        {"p50_ms": percentile(samples, 0.5), "p99_ms": percentile(samples, 0.99)}
                    )
                    last = runs[name][-1]
                    print(f"  {name}: p50 {last['p50_ms']:.2f} ms, p99 {last['p99_ms']:.2f} ms", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    figures = {
        name: {f"{k}_median": round(statistics.median(b[k] for b in blocks), 2) for k in ("p50_ms", "p99_ms")}
        | {"blocks": [{k: round(v, 2) for k, v in b.items()} for b in blocks]}
        for name, blocks in runs.items()
    }
    for k in ("p50_ms", "p99_ms"):
        figures[f"ratio_{k[:3]}"] = round(
            figures["qa_ask"][f"{k}_median"] / figures["baseline_ping"][f"{k}_median"], 2
        )
    figures |= {"requests_per_block": requests, "pairs": pairs}
    return figures


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--images", type=int, default=20)
    args.add_argument("--requests", type=int, default=1000)
    args.add_argument("--pairs", type=int, default=3)
    args.add_argument("--skip-qa", action="store_true", help="only the OCR figure (no server)")
    opts = args.parse_args()
    command = " ".join(["python -m benchmarks.bench_capabilities", *sys.argv[1:]])
    figures = {"ocr": ocr_figures(opts.images)}
    if not opts.skip_qa:
        figures["qa"] = qa_figures(opts.requests, opts.pairs)
    path = write("capabilities", command, figures)
    ours, base = figures["ocr"]["platform"], figures["ocr"]["baseline_default_rapidocr"]
    text = (
        f"OCR {ours['median_s']} s/image median (default rapidocr {base['median_s']} s, "
        f"ratio {figures['ocr']['ratio_median']}), field accuracy {ours['field_accuracy']:.1%}"
    )
    if "qa" in figures:
        asked, ping = figures["qa"]["qa_ask"], figures["qa"]["baseline_ping"]
        text += (
            f"; Q&A p50 {asked['p50_ms_median']} ms / p99 {asked['p99_ms_median']} ms "
            f"(ping p99 {ping['p99_ms_median']} ms, ratio {figures['qa']['ratio_p99']})"
        )
    readme_line("capabilities", command, text)
    print(path)
    print(text)


if __name__ == "__main__":
    main()
