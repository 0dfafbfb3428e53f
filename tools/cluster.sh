# Throwaway PostgreSQL clusters for the tests, for any server a pg_config names.
# Source this file, then:
#   cluster_start PG_CONFIG [postgres -c options...]   initdb + start on a free port;
#       exports PGHOST, PGPORT, PGUSER (the bootstrap superuser) and PGDATABASE=postgres
#   cluster_stop                                      stop it and remove its files
# As root the server runs as the postgres user (initdb refuses root).  The cluster lives in
# a temporary folder and listens only on its own socket there: it never touches a server it
# did not create.
cluster_start() {
  local pgc=$1; shift
  local bindir; bindir=$("$pgc" --bindir)
  CLUSTER_BINDIR=$bindir
  CLUSTER_DIR=$(mktemp -d /tmp/medres-cluster.XXXXXX)
  chmod 755 "$CLUSTER_DIR"
  CLUSTER_AS=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$CLUSTER_DIR"
    CLUSTER_AS=(runuser -u postgres --)
  fi
  "${CLUSTER_AS[@]}" "$bindir/initdb" -D "$CLUSTER_DIR/data" -A trust -U postgres \
      --no-sync -E UTF8 --locale=C >"$CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$CLUSTER_DIR/initdb.log" >&2; return 1; }
  # a free port: the first of 54000.. with no socket in use on this machine
  local port=54000
  while [ -e "/tmp/.s.PGSQL.$port" ] || [ -e "/var/run/postgresql/.s.PGSQL.$port" ] \
        || (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
  "${CLUSTER_AS[@]}" "$bindir/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w \
      -o "-p $port -k $CLUSTER_DIR -c listen_addresses= -c fsync=off $*" start >/dev/null \
    || { cat "$CLUSTER_DIR/server.log" >&2; return 1; }
  export PGHOST=$CLUSTER_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
  export CLUSTER_LOG=$CLUSTER_DIR/server.log
}

cluster_stop() {
  [ -n "${CLUSTER_DIR:-}" ] || return 0
  "${CLUSTER_AS[@]}" "$CLUSTER_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$CLUSTER_DIR"
  CLUSTER_DIR=
}
