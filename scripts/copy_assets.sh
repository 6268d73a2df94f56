#!/bin/sh
# Copy the front-end assets the pages use from node_modules into static/vendor.
# They are installed at setup (npm ci) and never committed, nor loaded from another host.
set -eu
cd "$(dirname "$0")/.."
vendor=static/vendor
rm -rf "$vendor"
mkdir -p "$vendor/bootstrap-italia" "$vendor/axe-core"
cp -R node_modules/bootstrap-italia/dist/css "$vendor/bootstrap-italia/"
cp -R node_modules/bootstrap-italia/dist/js "$vendor/bootstrap-italia/"
cp -R node_modules/bootstrap-italia/dist/svg "$vendor/bootstrap-italia/"
mkdir -p "$vendor/bootstrap-italia/fonts"
cp -R node_modules/bootstrap-italia/dist/fonts/Titillium_Web "$vendor/bootstrap-italia/fonts/"
cp node_modules/axe-core/axe.min.js "$vendor/axe-core/"
# The desk scanner's QR decoder (camera frames are decoded in the page, never sent anywhere).
mkdir -p "$vendor/jsqr"
cp node_modules/jsqr/dist/jsQR.js "$vendor/jsqr/"
