#!/bin/sh
# Start Debian's PostgreSQL on 127.0.0.1:5432 for the tests: user postgres, trust authentication
# on loopback only, room for the 200 connections of the race test. Safe to run again.
set -eu
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
conf=/etc/postgresql/$version/main
if [ ! -d "$conf" ]; then
  run pg_createcluster "$version" main
fi
hba=$conf/pg_hba.conf
if ! grep -q '^# centrale-booking tests' "$hba"; then
  run sh -c "printf '%s\n' '# centrale-booking tests' \
    'host all postgres 127.0.0.1/32 trust' 'host all postgres ::1/128 trust' \
    | cat - '$hba' > '$hba.new' && mv '$hba.new' '$hba'"
fi
run sh -c "printf '%s\n' \"listen_addresses = '127.0.0.1'\" 'max_connections = 300' \
  'synchronous_commit = on' > $conf/conf.d/centrale-tests.conf"
run pg_ctlcluster "$version" main restart || run pg_ctlcluster "$version" main start
for _ in $(seq 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
  sleep 1
done
echo "PostgreSQL did not start" >&2
exit 1
