"""Channel figures (issue 6), against `ykt api serve` as `make run` starts it (2 workers):

    .venv/bin/python -m benchmarks.bench_channels [--duration 20] [--rounds 3] [--connections 2000]

1. **Progress query at 2,000 connections**: `GET /api/v1/channels/applications/{id}` with a resident's
   bearer token (`services.channels.progress`: session, application and timeline in one SQL
   statement on an autocommit connection, nothing decrypted, orjson; no If-None-Match sent, so every
   answer is a full 200) beside the bare `GET /api/v1/_bench/ping`, interleaved A B A B (wrk,
   same threads, connections and duration). Target: progress req/s ≥ 0.5 × the baseline's, no
   errors beyond the baseline's.
2. **Paced 500 req/s**: the progress query at a constant offered rate (wrk with `lua/paced.lua`,
   50 connections each pausing 100 ms between answers); target p99 ≤ 200 ms.
3. **Application submit, one client**: 申领 submitted one after another by distinct residents
   (insurance lookup in the 全民参保库, the card system simulator over HTTP, the photos' face
   descriptors compared, the application, its timeline and outbox row) — p50/p99 beside the bare
   ping by the same client.
4. **OCR**: seconds per generated ID-card image (rapidocr, in this process), median over images.

Set-up (not measured): database `ops_bench` (recreated), a channel, residents with sessions; the
insurance database `src_insurance_chbench` with those residents enrolled; the card system simulator
on its own database `src_card_system_chbench` in a thread; each submitting resident's photos stored
as the upload endpoint stores them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

from benchmarks import bench_api_devices as fleet  # sets YKT_OPS_DATABASE=ops_bench first
from benchmarks._report import write
from benchmarks.bench_api_load import error_share, parse, quiesce
from yikatong.settings import get_settings

INSURANCE_DB, CARD_DB = "src_insurance_chbench", "src_card_system_chbench"
PACED = Path(__file__).with_name("lua") / "paced.lua"
THREADS = 2
RESIDENTS = 200


def person(n: int) -> str:
    from yikatong.ids import check_char

    first17 = f"51110219800101{n:03d}"
    return first17 + check_char(first17)


def load_sources(people: list[str]) -> None:
    """The insurance database (residents enrolled) and the card system's own tables (empty)."""
    from simulators.sources import card_system, insurance, loader
    from yikatong import db

    db.ensure_databases((INSURANCE_DB, CARD_DB))
    loader.load_database(INSURANCE_DB, insurance.DDL, insurance.TABLES, {}, insurance.FINISH)
    codes = {"kgl_code": card_system.code_table()}
    loader.load_database(CARD_DB, card_system.DDL, card_system.TABLES, codes, card_system.FINISH)
    with loader.connect(INSURANCE_DB) as conn, conn.cursor() as cur:
        rows = [(f"P{i:09d}", n) for i, n in enumerate(people)]
        cur.executemany(
            "insert into qmcb_person (aac001, aac002, aac003, aab301, aae005, aae036)"
            " values (%s, %s, '测试', '511102', '13800138000', now())",
            rows,
        )
        cur.executemany(
            "insert into qmcb_enrolment (aaz159, aac001, aae140, aac008, aac030, aab301, aae036)"
            " values (%s, %s, '390', '1', '20200101', '511102', now())",
            [(f"E{i:09d}", pid) for i, (pid, _) in enumerate(rows)],
        )


def serve_province() -> str:
    import uvicorn

    from simulators import card_system_api

    app = card_system_api.create_app(database=CARD_DB)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def register_channel(public_key: str) -> None:
    from services.channels.models import Channel
    from yikatong import db

    with db.sessionmaker_for(fleet.DATABASE)() as session:
        session.add(
            Channel(
                channel_id="tfth",
                name="天府通办",
                channel_class="政府渠道",
                tier=1,
                region_code="511100",
                idp_public_key=public_key,
                rate_limit_per_min=100000,
                status="启用",
                registered_by="bench",
            )
        )
        session.commit()


async def store_photos(people: list[str]) -> dict[str, dict[str, str]]:
    """Each resident's 制卡照片 and ID image, as the upload endpoints store them (faces computed once)."""
    import io

    import numpy as np
    from PIL import Image
    from skimage import data

    from services.base import db
    from services.capabilities import face
    from services.channels import photos
    from yikatong import pii

    image = Image.fromarray(data.astronaut()).crop((100, 0, 400, 300)).resize((400, 400))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    raw, rgb = out.getvalue(), np.asarray(image)
    vector = face.describe(rgb)[1]
    ids: dict[str, dict[str, str]] = {}
    async with db.sessionmaker()() as session:
        for number in people:
            token = pii.protector().token(number, "id_number")
            live = await photos.store(session, token, photos.LIVE, raw, rgb, vector, 1)
            card = await photos.store(session, token, photos.ID_IMAGE, raw, rgb, vector, 1)
            ids[number] = {"photo_id": live.photo_id, "id_image_id": card.photo_id}
        await session.commit()
    return ids


def sessions(client: httpx.Client, idp, people: list[str]) -> dict[str, str]:
    tokens = {}
    for number in people:
        answer = client.post("/api/v1/channels/sessions", json={"assertion": idp.assertion(number, "测试")})
        answer.raise_for_status()
        tokens[number] = answer.json()["token"]
    return tokens


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def submit_run(client: httpx.Client, tokens: dict[str, str], ids: dict[str, dict[str, str]]) -> dict:
    """Sequential 申领 (one per resident) and as many bare pings, alternating; latencies in ms."""
    submit, ping = [], []
    app_id = None
    for number, token in tokens.items():
        body = {"business": "申领", "outlet_code": "511102004001"} | ids[number]
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        started = time.perf_counter()
        answer = client.post("/api/v1/channels/applications", json=body, headers=headers)
        submit.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 201, answer.text
        app_id = app_id or answer.json()["application_id"]
        started = time.perf_counter()
        client.get("/api/v1/_bench/ping").raise_for_status()
        ping.append((time.perf_counter() - started) * 1000)
    figures = {
        name: {"p50_ms": percentile(s, 0.5), "p99_ms": percentile(s, 0.99), "count": len(s)}
        for name, s in (("submit", submit), ("baseline_ping", ping))
    }
    return figures | {"first_application_id": app_id}


def wrk(url: str, seconds: int, connections: int, token: str, script: tuple = ()) -> dict:
    import subprocess

    cmd = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    cmd += ["-H", f"Authorization: Bearer {token}", *script[:2], url, *script[2:]]
    return parse(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def ocr_run(images: int) -> dict:
    import io

    import numpy as np
    from PIL import Image

    from services.capabilities import ocr
    from simulators import id_card_images

    ocr.read_text(np.asarray(Image.open(io.BytesIO(id_card_images.sample(0)[1])).convert("RGB")))  # load
    seconds = []
    for index in range(1, images + 1):
        rgb = np.asarray(Image.open(io.BytesIO(id_card_images.sample(index)[1])).convert("RGB"))
        started = time.perf_counter()
        ocr.read_text(rgb)
        seconds.append(time.perf_counter() - started)
    return {
        "median_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
        "images": images,
    }


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--duration", type=int, default=20, help="seconds per wrk block")
    args.add_argument("--rounds", type=int, default=3)
    args.add_argument("--connections", type=int, default=2000)
    args.add_argument("--rate", type=int, default=500, help="paced requests per second")
    args.add_argument("--ocr-images", type=int, default=10)
    opts = args.parse_args()
    from simulators.channel_idp import IdentityProvider

    people = [person(n) for n in range(1, RESIDENTS + 1)]
    fleet.prepare_database()
    load_sources(people)
    os.environ |= {"YKT_CHANNEL_INSURANCE_DATABASE": INSURANCE_DB, "YKT_CARD_SYSTEM_URL": serve_province()}
    get_settings.cache_clear()
    idp = IdentityProvider("tfth")
    register_channel(idp.public_key)
    ids = asyncio.run(store_photos(people))
    proc = fleet.start_server(port := fleet.free_port())
    base = f"http://127.0.0.1:{port}"
    blocks: dict[str, list[dict]] = {"baseline_ping": [], "progress": [], "paced_progress": []}
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            tokens = sessions(client, idp, people)
            submit_run(client, dict(list(tokens.items())[:10]), ids)  # warm-up: both workers, pools
            rest = dict(list(tokens.items())[10:])
            submitted = submit_run(client, rest, ids)
            reader = next(iter(rest.values()))
            progress_url = f"{base}/api/v1/channels/applications/{submitted['first_application_id']}"
            assert client.get(progress_url, headers={"Authorization": f"Bearer {reader}"}).status_code == 200
        urls = {"baseline_ping": f"{base}/api/v1/_bench/ping", "progress": progress_url}
        for url in urls.values():  # warm-up
            wrk(url, 10, opts.connections, reader)
            quiesce(base)
        paced_c = 50
        interval = str(round(paced_c * 1000 / opts.rate))
        for round_no in range(opts.rounds):
            for name, url in urls.items():
                blocks[name].append(
                    wrk(url, opts.duration, opts.connections, reader) | {"drain_s": quiesce(base)}
                )
                print(round_no + 1, name, blocks[name][-1], flush=True)
            paced = wrk(progress_url, opts.duration, paced_c, reader, ("-s", str(PACED), "--", interval))
            paced["offered_rps"] = opts.rate
            blocks["paced_progress"].append(paced | {"drain_s": quiesce(base)})
            print(round_no + 1, "paced", paced, flush=True)
    finally:
        fleet.stop_server(proc)
    ocr_figures = ocr_run(opts.ocr_images)
    med = lambda name, key: statistics.median(b[key] for b in blocks[name])  # noqa: E731
    base_rps, prog_rps = med("baseline_ping", "rps"), med("progress", "rps")
    beyond = max(
        0.0,
        statistics.median(error_share(b) for b in blocks["progress"])
        - statistics.median(error_share(b) for b in blocks["baseline_ping"]),
    )
    figures = {
        "progress_2000": {
            "baseline_rps_median": base_rps,
            "progress_rps_median": prog_rps,
            "ratio_rps": round(prog_rps / base_rps, 3) if base_rps else 0.0,
            "target_ratio": 0.5,
            "progress_p99_ms_median": med("progress", "p99_ms"),
            "baseline_p99_ms_median": med("baseline_ping", "p99_ms"),
            "error_share_beyond_baseline": round(beyond, 3),
            "meets_target": bool(base_rps and prog_rps / base_rps >= 0.5 and beyond == 0),
        },
        "paced_progress": {
            "offered_rps": opts.rate,
            "achieved_rps_median": med("paced_progress", "rps"),
            "p50_ms_median": med("paced_progress", "p50_ms"),
            "p99_ms_median": med("paced_progress", "p99_ms"),
            "target_p99_ms": 200,
            "meets_target": med("paced_progress", "p99_ms") <= 200,
        },
        "submit_single_client": submitted,
        "ocr_per_image": ocr_figures,
        "blocks": blocks,
    }
    command = " ".join(["python -m benchmarks.bench_channels", *sys.argv[1:]]).strip()
    load = {"tool": "wrk", "threads": THREADS, "connections": opts.connections, "duration_s": opts.duration,
            "rounds": opts.rounds, "paced_connections": 50}  # fmt: skip
    print(write("channels", command, figures, server={"workers": get_settings().api_workers}, load=load))
    print({k: v for k, v in figures.items() if k != "blocks"})


if __name__ == "__main__":
    main()
