#!/usr/bin/env bash
# System packages the platform needs that PyPI cannot provide (Java for Spark, LibreOffice Calc for
# the Excel import tests).
# Installs them with apt-get only when missing and when running as root; otherwise says what to do.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc)  # Excel tests: workbooks saved by Calc
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)  # CJK font: generated ID-card images (OCR tests)
command -v chromium >/dev/null 2>&1 || need+=(chromium)  # browser tests of the Superset dashboards
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v wrk >/dev/null 2>&1 || need+=(wrk)  # load generator of the API benchmarks (benchmarks/bench_api_load.py)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "安装系统依赖 / installing system packages: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "缺少系统依赖 / missing system packages: ${need[*]} (install them, e.g. apt-get install ${need[*]})" >&2
  exit 1
fi
