#!/usr/bin/env bash
# Installs the Debian 12 packages Tessera builds and tests with. Idempotent: installs only what is
# missing, and runs `apt-get update` only when something is.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libsqlite3-dev sqlite3 libcpp-httplib-dev libcurl4-openssl-dev libopencv-dev
  qt6-base-dev libqt6sql6-sqlite qt6-base-dev-tools qt6-multimedia-dev
  xvfb xauth
  libavformat-dev libavcodec-dev libswresample-dev libavutil-dev ffmpeg
  libpoppler-qt6-dev poppler-utils libtesseract-dev tesseract-ocr-eng zlib1g-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
