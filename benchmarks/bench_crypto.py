"""Benchmark of national-cryptography field protection on one core.

Run with ``.venv/bin/python -m benchmarks.bench_crypto``. Each figure is the median of 5 runs in
one process pinned to a single CPU; AES-128-GCM (``cryptography``'s ``AESGCM``) is measured in the
same rounds as the baseline. Results go to ``benchmarks/results/crypto.json``.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import secrets
import time
from collections.abc import Callable

from cryptography.hazmat.backends.openssl.backend import backend as openssl_backend
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from benchmarks._report import summary, write
from yikatong.crypto import (
    KeyRing,
    Sm4Gcm,
    sm2_generate_keypair,
    sm2_sign,
    sm2_verify,
    sm3,
    sm4_gcm_encrypt,
)
from yikatong.pii import PiiProtector

RUNS = 5
FIELDS = 200_000
SM3_BYTES = 32 * 1024 * 1024
SM2_OPS = 10
TARGET_FIELDS_PER_S = 100_000


def pin_to_one_core() -> int:
    """Pin this process to one CPU (CPU 0 if allowed) and return it."""
    allowed = os.sched_getaffinity(0)
    cpu = 0 if 0 in allowed else min(allowed)
    os.sched_setaffinity(0, {cpu})
    return cpu


def id_numbers(count: int) -> list[str]:
    """``count`` distinct 18-character ID-number-shaped fields."""
    return [f"5111021990{i:08d}" for i in range(count)]


def _summary(rates: list[float]) -> dict[str, float]:
    figure = summary(rates, suffix="", digits=1)
    figure.pop("runs")
    return figure


def measure(workloads: dict[str, tuple[Callable[[], object], float, str]]) -> dict[str, dict]:
    """Run every workload once per round for RUNS rounds (after a warm-up round).

    Interleaving the workloads exposes them all to the same machine conditions, which keeps the
    SM4/AES comparison fair on a shared host. Each run gives two rates: amount per wall-clock
    second (``median``/``min``/``max``) and amount per second of CPU time this process got
    (``cpu_median``/...), which is what one core delivers even when other processes share it.
    """
    wall: dict[str, list[float]] = {name: [] for name in workloads}
    cpu: dict[str, list[float]] = {name: [] for name in workloads}
    for round_number in range(RUNS + 1):
        for name, (work, amount, _) in workloads.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            work()
            if round_number:
                wall[name].append(amount / (time.perf_counter() - start_wall))
                cpu[name].append(amount / (time.process_time() - start_cpu))
    return {
        name: _summary(wall[name])
        | {f"cpu_{key}": value for key, value in _summary(cpu[name]).items()}
        | {"unit": unit}
        for name, (_, _, unit) in workloads.items()
    }


def field_workloads(values: list[str]) -> dict[str, tuple[Callable[[], object], float, str]]:
    """The per-field workloads: name → (work, amount per run, unit)."""
    key = secrets.token_bytes(16)
    protector = PiiProtector(secrets.token_bytes(32), KeyRing({"k1": key}, active="k1"))
    raw = [value.encode() for value in values]
    gcm = Sm4Gcm(key)
    aes = AESGCM(key)
    aad = b"id_number"
    count = float(len(values))
    return {
        "pii_encrypt": (lambda: [protector.encrypt(v, "id_number") for v in values], count, "fields/s"),
        "sm4_gcm_encrypt": (lambda: [sm4_gcm_encrypt(key, v, aad) for v in raw], count, "fields/s"),
        "sm4_gcm_object": (lambda: [gcm.encrypt(v, aad) for v in raw], count, "fields/s"),
        "aes128_gcm_baseline": (
            lambda: [aes.encrypt(secrets.token_bytes(12), v, aad) for v in raw],
            count,
            "fields/s",
        ),
        "blind_index_tokens": (lambda: protector.tokens(values, "id_number"), count, "tokens/s"),
        "blind_index_token": (lambda: [protector.token(v, "id_number") for v in values], count, "tokens/s"),
    }


def other_workloads() -> dict[str, tuple[Callable[[], object], float, str]]:
    """SM3 throughput and SM2 (gmssl point arithmetic) operation rates."""
    data = secrets.token_bytes(SM3_BYTES)
    pair = sm2_generate_keypair()
    signature = sm2_sign(pair.private_hex, b"message", public_hex=pair.public_hex)

    def sign() -> None:
        for _ in range(SM2_OPS):
            sm2_sign(pair.private_hex, b"message", public_hex=pair.public_hex)

    def verify() -> None:
        for _ in range(SM2_OPS):
            assert sm2_verify(pair.public_hex, b"message", signature)

    return {
        "sm3": (lambda: sm3(data), SM3_BYTES / 1e6, "MB/s"),
        "sm2_sign": (sign, SM2_OPS, "ops/s"),
        "sm2_verify": (verify, SM2_OPS, "ops/s"),
    }


def run() -> dict:
    """Measure everything and return the result document."""
    loadavg_before = os.getloadavg()[0]
    cpu = pin_to_one_core()
    workloads = field_workloads(id_numbers(FIELDS)) | other_workloads()
    figures = measure(workloads)
    figures["sm4_vs_aes_ratio"] = {
        "median": figures["pii_encrypt"]["median"] / figures["aes128_gcm_baseline"]["median"],
        "cpu_median": figures["pii_encrypt"]["cpu_median"] / figures["aes128_gcm_baseline"]["cpu_median"],
        "unit": "pii_encrypt / aes128_gcm",
    }
    return {
        "python": platform.python_version(),
        "cryptography": importlib.metadata.version("cryptography"),
        "openssl": openssl_backend.openssl_version_text(),
        "gmssl": importlib.metadata.version("gmssl"),
        "cpu_model": platform.processor() or platform.machine(),
        "pinned_cpu": cpu,
        "loadavg_before": loadavg_before,
        "loadavg_after": os.getloadavg()[0],
        "runs": RUNS,
        "fields": FIELDS,
        "field_bytes": 18,
        "target_fields_per_s": TARGET_FIELDS_PER_S,
        "meets_target_wall": figures["pii_encrypt"]["median"] >= TARGET_FIELDS_PER_S,
        "meets_target_cpu": figures["pii_encrypt"]["cpu_median"] >= TARGET_FIELDS_PER_S,
        "figures": figures,
    }


def print_table(result: dict) -> None:
    print(
        f"crypto benchmark — {result['fields']:,} × {result['field_bytes']}-byte fields, "
        f"median of {result['runs']} runs, pinned to CPU {result['pinned_cpu']} of {os.cpu_count()}"
    )
    print(f"{'figure':<22}{'median':>12}{'min':>12}{'max':>12}{'cpu median':>13}  unit")
    for name, figure in result["figures"].items():
        if "min" in figure:
            cells = f"{figure['median']:>12,.0f}{figure['min']:>12,.0f}{figure['max']:>12,.0f}"
            print(f"{name:<22}{cells}{figure['cpu_median']:>13,.0f}  {figure['unit']}")
        else:
            print(
                f"{name:<22}{figure['median']:>12.2f}{'':>24}{figure['cpu_median']:>13.2f}  {figure['unit']}"
            )
    print(
        f"load average (1 min) before/after: {result['loadavg_before']:.2f} / {result['loadavg_after']:.2f}"
    )
    for clock in ("wall", "cpu"):
        verdict = "meets" if result[f"meets_target_{clock}"] else "MISSES"
        print(
            f"PiiProtector.encrypt {verdict} {result['target_fields_per_s']:,} fields/s "
            f"on one core by {clock}-clock median"
        )


def main() -> None:
    result = run()
    print_table(result)
    figures = result["figures"]
    extra = {k: v for k, v in result.items() if k != "figures"}
    print(f"written to {write('crypto', '.venv/bin/python -m benchmarks.bench_crypto', figures, **extra)}")


if __name__ == "__main__":
    main()
